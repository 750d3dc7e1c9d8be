// Players reached over NATS: the actor client's typed errors become PlayerCallErrors that keep
// their retryable flag, so Temporal retries an unavailable actor and gives up on a bad request.
import type { ActorClient } from '../actors/client';
import { classifyActorError } from '../actors/errors';
import { PlayerCallError, type PlayerGateway } from './players';

export function createNatsPlayers(client: ActorClient): PlayerGateway {
  const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const info = classifyActorError(err);
      throw new PlayerCallError(info.code, info.message, info.retryable);
    }
  };
  return {
    propose: (request, signal) =>
      wrap(async () => {
        const { deadline, ...call } = request;
        const response = await client.propose(call, { signal, ...(deadline !== undefined ? { deadline } : {}) });
        return { policy: response.policy, modelVersion: response.modelVersion, prompt: response.prompt, reply: response.reply, ...(response.noPlay ? { noPlay: response.noPlay } : {}) };
      }),
    attack: (request, signal) =>
      wrap(async () => {
        const { deadline, ...call } = request;
        const response = await client.attack(call, { signal, ...(deadline !== undefined ? { deadline } : {}) });
        return { policy: response.policy, modelVersion: response.modelVersion, prompt: response.prompt, replies: response.replies };
      }),
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}
