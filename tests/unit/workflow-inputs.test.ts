import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecondBrainError } from '../../domain/errors.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';

describe('workflow inputs', () => {
  it('accepts {} and null, applying defaults', () => {
    assert.deepEqual(parseWorkflowInput('roundTrip', {}), { message: 'Hello from Second Brain' });
    assert.deepEqual(parseWorkflowInput('roundTrip', null), { message: 'Hello from Second Brain' });
  });

  it('names the field and the expected type of an invalid input', () => {
    assert.throws(
      () => parseWorkflowInput('roundTrip', { message: 42 }),
      (error: unknown) =>
        error instanceof SecondBrainError &&
        error.kind === 'validation' &&
        /message: .*expected string, received number/.test(error.message),
    );
  });

  it('rejects unknown fields, so typos do not pass silently', () => {
    assert.throws(() => parseWorkflowInput('roundTrip', { mesage: 'typo' }), /mesage/);
  });
});
