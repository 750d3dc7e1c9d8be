// Table-driven transitions for the engine's per-entity state machines (workflow task, activity, timer, child).
// A transition not in the table is a bug in the engine, never a client error.

export type TransitionTable<S extends string, E extends string> = Partial<Record<S, Partial<Record<E, S>>>>;

export class IllegalTransitionError extends Error {
  readonly code = 'E_ILLEGAL_TRANSITION';
}

export function machine<S extends string, E extends string>(name: string, table: TransitionTable<S, E>) {
  return (from: S, event: E): S => {
    const to = table[from]?.[event];
    if (to === undefined) throw new IllegalTransitionError(`${name}: no transition from '${from}' on '${event}'`);
    return to;
  };
}

export type WorkflowTaskPhase = 'none' | 'scheduled' | 'started';
export const workflowTaskMachine = machine<WorkflowTaskPhase, 'schedule' | 'start' | 'complete' | 'fail' | 'timeout' | 'close'>(
  'workflow task',
  {
    none: { schedule: 'scheduled', close: 'none' },
    scheduled: { start: 'started', timeout: 'scheduled', close: 'none', schedule: 'scheduled' },
    started: { complete: 'none', fail: 'none', timeout: 'none', close: 'none' },
  },
);

export type ActivityPhase = 'scheduled' | 'started' | 'backoff' | 'closed';
export const activityMachine = machine<ActivityPhase, 'start' | 'retry' | 'wake' | 'close' | 'requeue'>('activity', {
  scheduled: { start: 'started', close: 'closed', requeue: 'scheduled' },
  started: { retry: 'backoff', close: 'closed', requeue: 'scheduled' },
  backoff: { wake: 'scheduled', close: 'closed', requeue: 'backoff' },
  // A result waiting in the buffer closes the activity before its event is flushed into history.
  closed: { close: 'closed', requeue: 'closed' },
});

export type TimerPhase = 'started' | 'closed';
export const timerMachine = machine<TimerPhase, 'fire' | 'cancel'>('timer', {
  started: { fire: 'closed', cancel: 'closed' },
  closed: { cancel: 'closed' },
});

export type ChildPhase = 'initiated' | 'started' | 'closed';
export const childMachine = machine<ChildPhase, 'start' | 'fail-start' | 'close'>('child workflow', {
  initiated: { start: 'started', 'fail-start': 'closed', close: 'closed' },
  started: { close: 'closed' },
  closed: { close: 'closed' },
});
