// What a benchmark asks about: the items its loaders read from the data files.

/** One identifier-swap item: the swap statement with a function header, and its two candidate bodies. */
export interface SwapItem {
  id: string;
  /** Line of the data file the row starts on. */
  line: number;
  prompt: string;
  bodies: [string, string];
  /** Index into `bodies` of the correct one. */
  answerIndex: 0 | 1;
}

/** One yes/no security item: a C function (defect detection) or a patch (PySecDB), with its label. */
export interface LabelledCodeItem {
  id: string;
  line: number;
  code: string;
  /** The truth: the function is defective, or the patch fixes a vulnerability. */
  vulnerable: boolean;
}
