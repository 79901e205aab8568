import { parse } from 'graphql';
import { operationNotResolved } from './operation-resolution';

describe('operationNotResolved', () => {
  const two = parse('subscription A { a } subscription B { b }');

  it('names the operation asked for that the document does not hold', () => {
    const error = operationNotResolved(two, 'C');
    expect(error.message).toBe('Unknown operation named "C".');
    expect(error.extensions).toEqual({ code: 'OPERATION_RESOLUTION_FAILURE', field: 'operationName' });
  });

  it('asks for a name when the document holds several and none was named', () => {
    expect(operationNotResolved(two, undefined).message).toBe(
      'Must provide operation name if query contains multiple operations.',
    );
    expect(operationNotResolved(two, null).extensions['code']).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('escapes a name with control characters rather than repeat them', () => {
    expect(operationNotResolved(two, 'x\ny').message).toBe('Unknown operation named "x\\ny".');
  });
});
