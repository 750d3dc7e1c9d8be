import { describe, expect, it } from 'vitest';
import { Semaphore, SemaphoreFullError } from '../../actors/semaphore';
import { ActorError, ActorTimeoutError, ActorUnavailableError, classifyActorError, isRetryableCode } from '../../actors/errors';

describe('Semaphore', () => {
  it('admits up to the limit, queues in order, and refuses past the queue bound', async () => {
    const slots = new Semaphore(2, 1);
    const first = await slots.acquire();
    const second = await slots.acquire();
    expect(slots.inUse).toBe(2);
    const order: string[] = [];
    const third = slots.acquire().then((release) => (order.push('third'), release));
    await expect(slots.acquire()).rejects.toBeInstanceOf(SemaphoreFullError);
    expect(slots.waiting).toBe(1);
    first();
    first(); // a second release of the same slot is ignored
    const releaseThird = await third;
    expect(order).toEqual(['third']);
    expect(slots.inUse).toBe(2);
    second();
    releaseThird();
    expect(slots.inUse).toBe(0);
  });

  it('lets a waiter give up through its signal', async () => {
    const slots = new Semaphore(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(slots.waiting).toBe(0);
    held();
    expect(slots.inUse).toBe(0);
  });
});

describe('actor error classification', () => {
  it('keeps retryable and final errors apart', () => {
    expect(classifyActorError(new ActorUnavailableError('none'))).toEqual({ code: 'no-responders', message: 'none', retryable: true });
    expect(classifyActorError(new ActorTimeoutError('late'))).toMatchObject({ code: 'timeout', retryable: true });
    expect(classifyActorError(new ActorError('bad-request', 'no'))).toMatchObject({ retryable: false });
    expect(classifyActorError(new ActorError('model-unavailable', 'down'))).toMatchObject({ retryable: true });
    expect(classifyActorError(new TypeError('bug'))).toEqual({ code: 'policy-failed', message: 'bug', retryable: false });
    expect(classifyActorError('plain string')).toMatchObject({ code: 'policy-failed', retryable: false });
    expect(isRetryableCode('model-missing')).toBe(false);
    expect(isRetryableCode('busy')).toBe(true);
  });
});
