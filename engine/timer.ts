// The timer state machine (started -> closed by firing or cancelling; see fsm.ts): the StartTimer and
// CancelTimer commands and the alarm that fires a timer. Its fire time is rebuilt from history on recovery.
import type { Engine } from './engine';
import { timerMachine } from './fsm';
import { EventType, int64, msDuration, type T } from './proto';
import { isOpen, type Run } from './state';

export class TimerLifecycle {
  constructor(private readonly e: Engine) {}

  start(run: Run, a: T.api.command.v1.IStartTimerCommandAttributes, wtc: ReturnType<typeof int64>): void {
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_TIMER_STARTED, {
        timerStartedEventAttributes: {
          timerId: a.timerId ?? '',
          startToFireTimeout: a.startToFireTimeout ?? msDuration(0),
          workflowTaskCompletedEventId: wtc,
        },
      }),
    ]);
  }

  cancel(
    run: Run,
    a: T.api.command.v1.ICancelTimerCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const timerId = a.timerId ?? '';
    const timer = run.timers.get(timerId);
    if (!timer || timer.phase !== 'started') return;
    timer.phase = timerMachine(timer.phase, 'cancel');
    this.e.alarms.disarm(timer.rt);
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_TIMER_CANCELED, {
        timerCanceledEventAttributes: {
          timerId,
          startedEventId: int64(timer.startedEventId),
          workflowTaskCompletedEventId: wtc,
          identity,
        },
      }),
    ]);
  }

  /** The alarm of a started timer: adds TimerFired unless the timer was cancelled or restarted meanwhile. */
  fire(run: Run, timerId: string, startedEventId: number): void {
    const timer = run.timers.get(timerId);
    if (!isOpen(run) || !timer || timer.phase !== 'started' || timer.startedEventId !== startedEventId) return;
    this.e.add(run, [
      this.e.event(EventType.EVENT_TYPE_TIMER_FIRED, {
        timerFiredEventAttributes: { timerId, startedEventId: int64(startedEventId) },
      }),
    ]);
  }
}
