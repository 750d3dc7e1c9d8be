// The conversations a model player receives. Offline players record them too (as the prompt an
// LLM would have had), so training data from both looks the same.
import type { ChatMessage, Task } from '../../game/types';

const INPUT_RULES = [
  'A diverging input is a Python dict literal of keyword arguments for the entry point, for example `{"xs": [1, 2, 3], "k": 2}`.',
  'It must be a plain literal (numbers, strings, booleans, None, lists, tuples, dicts, sets): no function calls, no variables, no comprehensions.',
  'Both programs are run on it in a sandbox. They diverge when they return different values, raise different exceptions (type or message), or one halts while the other does not.',
].join('\n');

const GENERATOR_SYSTEM = `You are the generator in the Program Semantic Inequivalence Game.

You receive a Python program with an entry-point function and a target difficulty from 0 (easy) to 10 (hard). Write a variant of the program that is semantically different from the original, together with an input on which the two behave differently.

Rules:
- The variant must define the same entry-point function with the same parameters.
- The variant must differ from the original on at least one input; your diverging input must show it. Claims are checked by running both programs.
- The difficulty is how often an evaluator, who sees both programs, fails to find any diverging input. At a high target, make the difference subtle: it should show only on rare inputs, while the variant still looks like a faithful rewrite. At a low target, an obvious difference is fine.
- Do not use randomness, time, input/output, files, the network or imports beyond the standard library.
${INPUT_RULES}

Reply in Markdown with exactly these three sections, in this order:

# Analysis
A short explanation of what you changed and why the programs differ.

# Generated program
\`\`\`python
<the complete variant program>
\`\`\`

# Diverging input example
\`\`\`python
<a dict literal of keyword arguments>
\`\`\``;

const EVALUATOR_SYSTEM = `You are the evaluator in the Program Semantic Inequivalence Game.

You receive two Python programs, an original and a variant, with the same entry-point function. Decide whether they are semantically equivalent, and if they are not, give an input on which they behave differently.

Rules:
- Your input is checked by running both programs; a claimed divergence that does not show counts as a failure.
- Look closely at the lines where the programs differ, and at boundary values: empty collections, zero, negative numbers, equal elements, the constants that appear in the code.
${INPUT_RULES}

Reply in Markdown with exactly these sections, in this order:

# Analysis
A short comparison of the two programs.

# Equivalent?
Yes or No.

# Diverging input example
\`\`\`python
<a dict literal of keyword arguments>
\`\`\`
(Leave out this section only when you answer Yes.)`;

function programBlock(source: string): string {
  const body = source.replace(/\s+$/, '');
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}python\n${body}\n${fence}`;
}

function examplesOf(task: Task): string {
  if (task.exampleInputs.length === 0) return '';
  const shown = task.exampleInputs.slice(0, 5).map((e) => `- \`${e}\``);
  return `\nExample inputs the original accepts:\n${shown.join('\n')}\n`;
}

/**
 * `'Any'` leaves the level open (training examples that ask the model to predict it afterwards).
 * `label` names the level's line: players see `Target difficulty`; the study's prediction
 * examples say `Difficulty level`.
 */
export function generatorPrompt(
  task: Task,
  targetDifficulty: number | 'Any',
  label: 'Target difficulty' | 'Difficulty level' = 'Target difficulty',
): ChatMessage[] {
  const difficulty = targetDifficulty === 'Any' ? 'Any' : `${Math.round(Math.min(10, Math.max(0, targetDifficulty)) * 10) / 10} / 10`;
  const description = task.description.trim() !== '' ? `\nWhat it does: ${task.description.trim()}\n` : '';
  return [
    { role: 'system', content: GENERATOR_SYSTEM },
    {
      role: 'user',
      content: `Entry point: \`${task.entryPoint}\`\n${label}: ${difficulty}\n${description}${examplesOf(task)}\nOriginal program:\n\n${programBlock(task.source)}\n`,
    },
  ];
}

export function evaluatorPrompt(task: Task, variant: string): ChatMessage[] {
  return [
    { role: 'system', content: EVALUATOR_SYSTEM },
    {
      role: 'user',
      content: `Entry point: \`${task.entryPoint}\`\n${examplesOf(task)}\nOriginal program:\n\n${programBlock(task.source)}\n\nVariant program:\n\n${programBlock(variant)}\n`,
    },
  ];
}
