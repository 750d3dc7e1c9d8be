import { describe, expect, it } from 'vitest';
import { createEvaluatorPolicy, createGeneratorPolicy, evaluatorPolicyNames, generatorPolicyNames, parsePolicySpec, UnknownPolicyError } from '../../actors/policies/registry';

describe('policy registry', () => {
  it('creates the offline players by name', () => {
    expect(createGeneratorPolicy('mutation').name).toBe('mutation');
    expect(createEvaluatorPolicy('fuzz').name).toBe('fuzz');
    expect(generatorPolicyNames()).toContain('mutation');
    expect(evaluatorPolicyNames()).toContain('fuzz');
    expect(generatorPolicyNames()).not.toContain('noop');
  });

  it('splits a spec at the first colon only', () => {
    expect(parsePolicySpec('ollama:qwen2.5-coder:7b')).toEqual({ name: 'ollama', model: 'qwen2.5-coder:7b' });
    expect(parsePolicySpec('fuzz')).toEqual({ name: 'fuzz', model: null });
    expect(parsePolicySpec('fuzz:')).toEqual({ name: 'fuzz', model: null });
  });

  it('rejects an unknown name with a typed error listing the known ones', () => {
    let caught: unknown;
    try {
      createEvaluatorPolicy('no-such-policy:some-model');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnknownPolicyError);
    expect((caught as UnknownPolicyError).code).toBe('E_UNKNOWN_POLICY');
    expect((caught as Error).message).toContain('fuzz');
    expect(() => createGeneratorPolicy('fuzz')).toThrow(/known: .*mutation/);
    expect(() => createGeneratorPolicy('toString')).toThrow(UnknownPolicyError);
  });
});
