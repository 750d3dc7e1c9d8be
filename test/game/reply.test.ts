import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPyLiteral } from '../../game/literal';
import {
  MAX_REPLY_CHARS,
  normalizeProgram,
  parseEvaluatorReply,
  parseGeneratorReply,
  renderEvaluatorReply,
  renderGeneratorReply,
} from '../../game/reply';
import type { EvaluatorReply, GeneratorReply } from '../../game/types';
import { kwargsArb } from './arbitraries';

const program = 'def add(a, b):\n    # Analysis: a comment that looks like a heading\n    return a + b';

function generatorText(parts: { analysis?: string; program?: string; input?: string } = {}): string {
  return [
    '# Analysis',
    parts.analysis ?? 'Swapping the operands changes nothing, but adding one does.',
    '',
    '# Generated program',
    '```python',
    parts.program ?? program,
    '```',
    '',
    '# Diverging input example',
    '```python',
    parts.input ?? "{'a': 1, 'b': 2}",
    '```',
  ].join('\n');
}

function expectParsed<T>(result: { ok: true; value: T } | { ok: false; reason: string; detail: string }): T {
  if (!result.ok) throw new Error(`expected a parse, got ${result.reason}: ${result.detail}`);
  return result.value;
}

describe('parseGeneratorReply', () => {
  it('reads the canonical contract', () => {
    expect(expectParsed(parseGeneratorReply(generatorText()))).toEqual({
      analysis: 'Swapping the operands changes nothing, but adding one does.',
      program,
      divergingInput: "{'a': 1, 'b': 2}",
    });
  });

  it.each<[string, string]>([
    ['CRLF line ends', generatorText().replace(/\n/g, '\r\n')],
    [
      'heading case and spacing',
      generatorText().replace('# Generated program', '#   GENERATED   Program  ').replace('# Analysis', '#analysis'),
    ],
    ['## instead of #', generatorText().replace(/^# /gm, '## ')],
    ['### and trailing colons', generatorText().replace(/^# (.*)$/gm, '### $1:')],
    ['bold lines instead of headings', generatorText().replace(/^# (.*)$/gm, '**$1**')],
    [
      'numbered headings',
      generatorText()
        .replace('# Analysis', '# 1. Analysis')
        .replace('# Generated program', '# 2. Generated program')
        .replace('# Diverging input example', '# 3) Diverging input example'),
    ],
    ['no language tag on the fences', generatorText().replace(/```python/g, '```')],
    ['py tag and tildes', generatorText().replace(/```python\n([\s\S]*?)\n```/g, '~~~py\n$1\n~~~')],
    ['prose before and after', 'Sure! Here is my answer.\n\n' + generatorText() + '\n\nLet me know if you need more.'],
    ['input = prefix and a trailing comment', generatorText({ input: "input = {'a': 1, 'b': 2}  # returns 3 vs 4" })],
    ['comment line before the input', generatorText({ input: "# the inputs\n{'a': 1, 'b': 2}" })],
    ['two examples in the input block', generatorText({ input: "{'a': 1, 'b': 2}\n{'a': 5, 'b': 6}" })],
    [
      'indented fences (inside a list item)',
      generatorText().replace(
        /```python\n([\s\S]*?)\n```/g,
        (_m, body: string) => '  ```python\n' + body.replace(/^/gm, '  ') + '\n  ```',
      ),
    ],
  ])('tolerates %s', (_name, text) => {
    const reply = expectParsed(parseGeneratorReply(text));
    expect(reply.program).toBe(program);
    expect(reply.divergingInput).toBe("{'a': 1, 'b': 2}");
    expect(reply.analysis).toContain('Swapping the operands');
  });

  it.each<[string, string]>([
    ['# Modified program', '# Counterexample'],
    ['## Variant', '## Diverging input'],
    ['# The generated code', '# Example diverging input'],
  ])('accepts heading synonyms %s / %s', (programHeading, inputHeading) => {
    const text = generatorText()
      .replace('# Generated program', programHeading)
      .replace('# Diverging input example', inputHeading);
    expect(expectParsed(parseGeneratorReply(text))).toMatchObject({ program, divergingInput: "{'a': 1, 'b': 2}" });
  });

  it('lets exact section names win over synonyms used as sub-headings in the analysis', () => {
    const analysis =
      '### Program\n```python\ndef add(a, b):\n    return a + b\n```\n### Input\n```python\n{"a": 0, "b": 0}\n```\nSo I add one.';
    const reply = expectParsed(parseGeneratorReply(generatorText({ analysis })));
    expect(reply.program).toBe(program);
    expect(reply.divergingInput).toBe("{'a': 1, 'b': 2}");
    expect(reply.analysis).toBe(analysis);
  });

  it('drops a <think> preamble whose drafts contain contract sections', () => {
    const draft = generatorText({ program: 'def draft():\n    pass', input: "{'draft': 1}" });
    const reply = expectParsed(parseGeneratorReply(`<think>\n${draft}\n</think>\n\n${generatorText()}`));
    expect(reply.program).toBe(program);
    expect(reply.divergingInput).toBe("{'a': 1, 'b': 2}");
    expect(parseGeneratorReply(`<think>\n${draft}`)).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('reads a reply wrapped in a markdown fence', () => {
    expect(expectParsed(parseGeneratorReply('```markdown\n' + generatorText() + '\n```\n'))).toMatchObject({
      program,
      divergingInput: "{'a': 1, 'b': 2}",
    });
  });

  it('finds the input block right after the program when its heading is missing', () => {
    const text = generatorText().replace('# Diverging input example\n', 'With this input:\n');
    expect(expectParsed(parseGeneratorReply(text))).toMatchObject({ program, divergingInput: "{'a': 1, 'b': 2}" });
  });

  it('does not take a Python comment inside the code for a heading', () => {
    const text = generatorText({ program: 'def f(x):\n# Diverging input example\n    return x' });
    expect(expectParsed(parseGeneratorReply(text)).program).toBe('def f(x):\n# Diverging input example\n    return x');
  });

  it('picks the block with a def when a section holds several code blocks', () => {
    const text = generatorText({ program: "print('usage')\n```\n\nThe program:\n\n```python\n" + program });
    expect(expectParsed(parseGeneratorReply(text)).program).toBe(program);
  });

  it('skips non-dict code blocks in the input section and accepts an inline literal', () => {
    const text = generatorText({ input: 'add(1, 2)\n```\n\nAs a dict: `{"a": 1, "b": 2}`\n\n```text\nthat is all' });
    expect(expectParsed(parseGeneratorReply(text)).divergingInput).toBe('{"a": 1, "b": 2}');
  });

  it('keeps analysis sub-headings that are not contract sections', () => {
    const text = generatorText({ analysis: '## Step 1\nLook.\n## Step 2\nChange.' });
    expect(expectParsed(parseGeneratorReply(text)).analysis).toBe('## Step 1\nLook.\n## Step 2\nChange.');
  });

  it('uses leading prose as the analysis when the heading is missing', () => {
    const text = generatorText().replace('# Analysis\n', 'I will add one.\n');
    expect(expectParsed(parseGeneratorReply(text)).analysis).toContain('I will add one.');
  });

  it.each<[string, string, string]>([
    ['empty', '   \n ', 'empty'],
    ['no program section', '# Analysis\nhmm\n# Diverging input example\n```\n{"a": 1}\n```', 'missing-section'],
    ['no input section', generatorText().split('# Diverging')[0] as string, 'missing-section'],
    [
      'no code block for the program',
      generatorText().replace(/```python\ndef[\s\S]*?```/, 'def add(a, b): return a + b'),
      'missing-code-block',
    ],
    ['empty program block', generatorText({ program: '   ' }), 'missing-code-block'],
    ['input not a dict literal', generatorText({ input: 'add(1, 2)' }), 'missing-code-block'],
    ['cut off inside the program', generatorText().slice(0, generatorText().indexOf('return')), 'truncated'],
    ['cut off inside the input', generatorText().slice(0, generatorText().lastIndexOf('```')), 'truncated'],
  ])('fails with a reason: %s', (_name, text, reason) => {
    const result = parseGeneratorReply(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('refuses replies over the size cap', () => {
    const result = parseGeneratorReply(generatorText({ analysis: 'x'.repeat(5000) }), { maxChars: 1000 });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
  });
});

describe('parseEvaluatorReply', () => {
  const evaluatorText = (answer: string, input?: string): string =>
    [
      '# Analysis',
      'They differ on negatives.',
      '',
      '# Equivalent?',
      answer,
      '',
      ...(input === undefined ? [] : ['# Diverging input example', '```python', input, '```']),
    ].join('\n');

  it.each<[string, boolean]>([
    ['No', false],
    ['no', false],
    ['No.', false],
    ['**No**', false],
    ['No, they differ for x < 0.', false],
    ['Yes', true],
    ['Yes.', true],
    ['**YES**', true],
  ])('reads the answer %j', (answer, expected) => {
    const reply = expectParsed(parseEvaluatorReply(evaluatorText(answer, '{"x": -1}')));
    expect(reply.equivalent).toBe(expected);
    expect(reply.divergingInput).toBe('{"x": -1}');
  });

  it('reads an answer on the heading line', () => {
    expect(
      expectParsed(
        parseEvaluatorReply('# Analysis\nok\n# Equivalent? No\n# Diverging input example\n```\n{"x": 0}\n```'),
      ).equivalent,
    ).toBe(false);
    expect(expectParsed(parseEvaluatorReply('**Equivalent?** Yes'))).toEqual({
      analysis: '',
      equivalent: true,
      divergingInput: null,
    });
  });

  it('reads the answer from the body when the heading carries a hint', () => {
    const text = '# Analysis\nok\n# Equivalent (Yes/No)\nNo\n# Diverging input example\n```\n{"x": 0}\n```';
    expect(expectParsed(parseEvaluatorReply(text)).equivalent).toBe(false);
  });

  it.each<[string, boolean]>([
    ['The programs are not equivalent.', false],
    ['They are semantically equivalent.', true],
    ['These functions are inequivalent for negative inputs.', false],
  ])('reads a sentence answer %j', (answer, expected) => {
    expect(expectParsed(parseEvaluatorReply(evaluatorText(answer, '{"x": -1}'))).equivalent).toBe(expected);
  });

  it('finds the input in the answer when there is no input section', () => {
    const reply = expectParsed(
      parseEvaluatorReply('# Analysis\nx\n# Equivalent?\nNo, for example `{"x": -1}` differs.'),
    );
    expect(reply).toEqual({ analysis: 'x', equivalent: false, divergingInput: '{"x": -1}' });
  });

  it('accepts Yes without an input', () => {
    expect(expectParsed(parseEvaluatorReply(evaluatorText('Yes')))).toEqual({
      analysis: 'They differ on negatives.',
      equivalent: true,
      divergingInput: null,
    });
  });

  it('accepts Yes with a non-literal placeholder in the input section', () => {
    expect(expectParsed(parseEvaluatorReply(evaluatorText('Yes', 'N/A'))).divergingInput).toBeNull();
  });

  it('accepts an input without the Equivalent section', () => {
    const reply = expectParsed(parseEvaluatorReply('# Analysis\nx\n# Diverging input example\n```\n{"x": 0}\n```'));
    expect(reply).toEqual({ analysis: 'x', equivalent: null, divergingInput: '{"x": 0}' });
  });

  it.each<[string, string, string]>([
    ['an unreadable answer', evaluatorText('Maybe', '{"x": 1}'), 'bad-answer'],
    ['No without an input section', evaluatorText('No'), 'missing-section'],
    ['No with no dict literal', evaluatorText('No', 'x = -1'), 'missing-code-block'],
    ['neither answer nor input', '# Analysis\nI am not sure.', 'missing-section'],
    ['cut off inside the input', evaluatorText('No', '{"x": ').replace(/```$/, ''), 'truncated'],
  ])('fails on %s', (_name, text, reason) => {
    expect(parseEvaluatorReply(text)).toMatchObject({ ok: false, reason });
  });
});

// Analysis text that cannot be mistaken for contract structure: words, blank lines, sub-headings.
const analysisArb = fc
  .array(
    fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()'=+-]{0,30}$/), fc.constant(''), fc.constant('## Step two')),
    { maxLength: 5 },
  )
  .map((lines) => lines.join('\n').trim());

// Programs: arbitrary lines, including ones that look like headings or fences.
const programArb = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '# Analysis',
        '# Diverging input example',
        '```',
        '````python',
        '~~~',
        '    return x',
        'def f(x):',
      ),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((lines) => normalizeProgram(lines.join('\n').replace(/\r/g, '')))
  .filter((p) => p !== '');

const inputArb = kwargsArb().map((v) => {
  const f = formatPyLiteral(v);
  if (!f.ok) throw new Error(f.error);
  return f.text;
});

describe('render and parse', () => {
  it('parse(renderGeneratorReply(x)) == x', () => {
    fc.assert(
      fc.property(analysisArb, programArb, inputArb, (analysis, program, divergingInput) => {
        const reply: GeneratorReply = { analysis, program, divergingInput };
        expect(parseGeneratorReply(renderGeneratorReply(reply))).toEqual({ ok: true, value: reply });
      }),
      { numRuns: 300 },
    );
  });

  it('parse(renderEvaluatorReply(x)) == x', () => {
    const replyArb = fc
      .record({
        analysis: analysisArb,
        equivalent: fc.constantFrom(true, false, null),
        divergingInput: fc.option(inputArb, { nil: null }),
      })
      .filter((r) => r.equivalent === true || r.divergingInput !== null);
    fc.assert(
      fc.property(replyArb, (reply: EvaluatorReply) => {
        expect(parseEvaluatorReply(renderEvaluatorReply(reply))).toEqual({ ok: true, value: reply });
      }),
      { numRuns: 300 },
    );
  });

  it('renders the canonical contract', () => {
    expect(renderGeneratorReply({ analysis: 'A.', program: 'def f():\n    return 1\n', divergingInput: '{}' })).toBe(
      '# Analysis\n\nA.\n\n# Generated program\n\n```python\ndef f():\n    return 1\n```\n\n# Diverging input example\n\n```python\n{}\n```\n',
    );
    expect(renderEvaluatorReply({ analysis: 'B.', equivalent: false, divergingInput: '{"x": 1}' })).toBe(
      '# Analysis\n\nB.\n\n# Equivalent?\n\nNo\n\n# Diverging input example\n\n```python\n{"x": 1}\n```\n',
    );
  });
});

describe('parsers never throw', () => {
  const markdownish = fc
    .tuple(
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom(
            '# Analysis',
            '## Generated program',
            '# Diverging input example',
            '# Equivalent?',
            'Yes',
            'No',
            '```',
            '```python',
            '~~~',
            '{',
            '}',
            "{'a': [1, (2,",
            '**No**',
            '`{"x": 1}`',
            'input = {',
          ),
        ),
        { maxLength: 30 },
      ),
      fc.constantFrom('\n', '\r\n'),
    )
    .map(([lines, newline]) => lines.join(newline));

  it('on hostile replies at the size cap (long lines, deep nesting, many blocks)', () => {
    const n = MAX_REPLY_CHARS - 1000;
    const head = '# Generated program\n```\ndef f(): pass\n```\n# Diverging input example\n';
    const hostile = [
      '```' + 'a'.repeat(n) + '`',
      '# ' + '#'.repeat(n) + 'x',
      '# Equivalent?' + ' '.repeat(n) + 'x',
      '**' + 'a'.repeat(n),
      head + '```\n' + '{'.repeat(n) + '\n```',
      head + '```\n{"x": ' + '1'.repeat(n) + '}\n```',
      head + '```\nx\n```\n'.repeat(n / 12),
      head + '`a` '.repeat(n / 5),
      '# Diverging input example\n'.repeat(n / 30),
      '<think>' + 'x'.repeat(n),
      '```' + ' '.repeat(n) + 'md\n# Analysis\n```',
      '# Generated program\n```\n' +
        '\n'.repeat(n) +
        'x\n```\n# Diverging input example\n```\n' +
        ' \n'.repeat(300) +
        '{}\n```',
    ];
    for (const text of hostile) {
      for (const result of [parseGeneratorReply(text), parseEvaluatorReply(text)])
        expect(typeof result.ok).toBe('boolean');
    }
  });

  it('on arbitrary and Markdown-like strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          markdownish,
        ),
        (text) => {
          for (const result of [parseGeneratorReply(text), parseEvaluatorReply(text)]) {
            expect(typeof result.ok).toBe('boolean');
            if (!result.ok)
              expect([
                'empty',
                'missing-section',
                'missing-code-block',
                'truncated',
                'bad-answer',
                'too-large',
              ]).toContain(result.reason);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
