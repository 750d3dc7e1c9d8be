// The contract between the sandbox service and its callers (players, activities, CLI).
import type { DivergingInput, Outcome } from '../game/types';

export interface RunRequest {
  /** Python source that defines `entryPoint`. */
  source: string;
  entryPoint: string;
  /** Python dict literal of keyword arguments, parsed with ast.literal_eval inside the sandbox. */
  input: DivergingInput;
  /** Wall-clock limit for this run; the sandbox's default when omitted. */
  timeoutMs?: number;
  /**
   * 0 or omitted: a normal run. n ≥ 1: a redraw of the same run under another str hash seed (a
   * separate interpreter) and, as every run, a fresh `random` state; used to tell a stable
   * divergence from a lucky draw.
   */
  draw?: number;
}

export interface PairRequest {
  original: string;
  variant: string;
  entryPoint: string;
  input: DivergingInput;
  timeoutMs?: number;
  /** As `RunRequest.draw`, for both sides. */
  draw?: number;
}

export interface PairOutcome {
  original: Outcome;
  variant: Outcome;
}

/** Which isolation layers this host gives each run. */
export interface IsolationReport {
  rlimits: boolean;
  privateDirectory: boolean;
  network: 'namespace' | 'bubblewrap' | 'none';
  /** `private`: the host read-only, the run's writable space its own and size-capped (bubblewrap); `host`: the host's own. */
  filesystem: 'private' | 'host';
  /** A seccomp filter forbids mounts, new namespaces, tracing, keyrings, BPF and the like. */
  seccomp: boolean;
  /** `own`: a uid per run; `shared`: the runs of a worker share one unprivileged uid; `root`: runs keep the host's root. */
  runUid: 'own' | 'shared' | 'root';
  bubblewrap: boolean;
  userNamespaces: boolean;
  root: boolean;
  /** Human-readable notes on what is missing and how to fix it. */
  notes: string[];
  /** The limits a started sandbox gives each run (absent from a host probe). */
  limits?: { processesPerRun: number; memoryPerProcessBytes: number; worstCaseBytes: number; budgetBytes: number };
}

export interface Sandbox {
  run(request: RunRequest): Promise<Outcome>;
  /** Runs original and variant on the same input (concurrently, in separate processes). */
  runPair(request: PairRequest): Promise<PairOutcome>;
  isolation(): IsolationReport;
  close(): Promise<void>;
}
