// The answer readers: tolerant of the forms models write, and an unreadable answer is a reason.
import { describe, expect, it } from 'vitest';
import { readAnswerAfterHeading, readChoiceDigit, readVulnerabilityJson } from '../../eval/answers';

describe('first-digit reader (identifier swap)', () => {
  it('reads the first digit wherever it is', () => {
    expect(readChoiceDigit('2')).toEqual({ ok: true, value: 2 });
    expect(readChoiceDigit('The correct body is candidate 1, not 2.')).toEqual({ ok: true, value: 1 });
    expect(readChoiceDigit('**2**\n')).toEqual({ ok: true, value: 2 });
  });
  it('gives a reason for no digit or a digit that names no candidate', () => {
    expect(readChoiceDigit('')).toEqual({ ok: false, reason: 'no digit in the reply' });
    expect(readChoiceDigit('Option 0')).toEqual({ ok: false, reason: 'first digit 0 names no candidate' });
    expect(readChoiceDigit('10')).toEqual({ ok: true, value: 1 });
  });
});

describe('vulnerability JSON reader (defect tasks)', () => {
  it('reads bare, fenced and embedded objects', () => {
    expect(readVulnerabilityJson('{"vulnerability": true}')).toEqual({ ok: true, value: true });
    expect(readVulnerabilityJson('```json\n{"vulnerability": false}\n```')).toEqual({ ok: true, value: false });
    expect(readVulnerabilityJson('```\n{ "vulnerability" : true }\n```\nThat is my answer.')).toEqual({
      ok: true,
      value: true,
    });
    expect(
      readVulnerabilityJson('Result: {"reason": "uses {braces} in a string", "vulnerability": false} done'),
    ).toEqual({ ok: true, value: false });
    expect(readVulnerabilityJson('{"vulnerability": "Yes"}')).toEqual({ ok: true, value: true });
  });
  it('gives a reason for anything else', () => {
    expect(readVulnerabilityJson('No.')).toEqual({ ok: false, reason: 'no JSON object in the reply' });
    expect(readVulnerabilityJson('{"vulnerable": true}')).toEqual({
      ok: false,
      reason: 'no JSON object with a "vulnerability" field',
    });
    expect(readVulnerabilityJson('{"vulnerability": 1}')).toEqual({
      ok: false,
      reason: '"vulnerability" is 1, not true or false',
    });
    expect(readVulnerabilityJson('{"vulnerability": tru')).toEqual({
      ok: false,
      reason: 'no JSON object in the reply',
    });
  });
});

describe('"# Answer" heading reader (chain of thought)', () => {
  it('reads the object after the last Answer heading, on its line or below', () => {
    expect(
      readAnswerAfterHeading('# Analysis\nmaybe {"vulnerability": true}\n# Answer\n{"vulnerability": false}'),
    ).toEqual({ ok: true, value: false });
    expect(readAnswerAfterHeading('## Answer: {"vulnerability": true}')).toEqual({ ok: true, value: true });
    expect(readAnswerAfterHeading('# answer\n```json\n{"vulnerability": true}\n```')).toEqual({
      ok: true,
      value: true,
    });
  });
  it('gives a reason without the heading or without an object after it', () => {
    expect(readAnswerAfterHeading('{"vulnerability": true}')).toEqual({ ok: false, reason: 'no "# Answer" heading' });
    expect(readAnswerAfterHeading('# Answer\nYes, it is.')).toEqual({
      ok: false,
      reason: 'after "# Answer": no JSON object in the reply',
    });
  });
});
