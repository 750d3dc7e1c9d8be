// The prompts of the three benchmarks. Each states its answer contract, which the readers in
// answers.ts implement: the swap asks for the number only; the defect tasks ask for a JSON object,
// and their chain-of-thought variant for reasoning first and the object under an `# Answer` heading.
import type { ChatMessage } from '../game/types';
import type { SwapItem } from './items';

function fenced(language: string, code: string): string {
  return '```' + language + '\n' + code.replace(/\n+$/, '') + '\n```';
}

/**
 * The swap question with the candidates in the given order: `order` 0 shows them as the data set
 * lists them, 1 swapped (score.ts's correctPosition says where the correct one is).
 */
export function swapPrompt(item: SwapItem, order: 0 | 1): ChatMessage[] {
  const shown = order === 0 ? item.bodies : ([item.bodies[1], item.bodies[0]] as const);
  const user = [
    "Here is the beginning of a Python module: the statements before a function, and the function's declaration and docstring.",
    '',
    fenced('python', item.prompt),
    '',
    'Two candidate bodies for this function follow. Exactly one of them is correct: it makes the function behave as its name and docstring say, given every statement before it.',
    '',
    'Candidate 1:',
    fenced('python', shown[0]),
    '',
    'Candidate 2:',
    fenced('python', shown[1]),
    '',
    'Which candidate is the correct body? Write only the number: 1 or 2.',
  ].join('\n');
  return [{ role: 'user', content: user }];
}

export type SecurityQuestion = 'defect' | 'fix';

const questions: Record<SecurityQuestion, { intro: string; language: string; question: string }> = {
  defect: {
    intro: 'Here is a C function.',
    language: 'c',
    question: 'Does this function contain a security vulnerability?',
  },
  fix: {
    intro: 'Here is a patch to a Python project, in unified diff form with its commit message.',
    language: 'diff',
    question: 'Does this patch fix a security vulnerability?',
  },
};

const jsonContract =
  'a JSON object {"vulnerability": true} if the answer is yes, or {"vulnerability": false} if it is no';

export function securityPrompt(kind: SecurityQuestion, code: string, chainOfThought: boolean): ChatMessage[] {
  const q = questions[kind];
  const contract = chainOfThought
    ? `First reason step by step under a heading "# Analysis". Then write a heading "# Answer" followed by ${jsonContract}, and nothing after it.`
    : `Answer with ${jsonContract}, and nothing else.`;
  return [
    { role: 'user', content: [q.intro, '', fenced(q.language, code), '', `${q.question} ${contract}`].join('\n') },
  ];
}
