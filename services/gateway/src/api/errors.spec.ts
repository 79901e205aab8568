import { GraphQLError } from 'graphql';
import { formatError, variableAtFault } from './errors';

describe('the field at fault of a variable graphql-js could not coerce', () => {
  it('names the path inside an input object', () => {
    expect(
      variableAtFault(
        'Variable "$input" got invalid value "x" at "input.gpus"; Int cannot represent non-integer value: "x"',
      ),
    ).toBe('input.gpus');
  });

  it('names the variable when the whole value is wrong or missing', () => {
    expect(variableAtFault('Variable "$id" got invalid value true; ID cannot represent value: true')).toBe(
      'id',
    );
    expect(variableAtFault('Variable "$id" of required type "ID!" was not provided.')).toBe('id');
    expect(variableAtFault('Variable "$first" of non-null type "Int!" must not be null.')).toBe('first');
  });

  it('names nothing for other messages', () => {
    expect(variableAtFault('the amount must be positive')).toBeUndefined();
  });
});

describe('formatError', () => {
  it('adds the field at fault to a BAD_USER_INPUT about a variable, and keeps a field already given', () => {
    const coerce = new GraphQLError(
      'Variable "$input" got invalid value 1.5 at "input.hours"; Int cannot represent non-integer value: 1.5',
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
    expect(formatError(coerce.toJSON(), coerce).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.hours',
    });
    const own = new GraphQLError('the price is not on the tick', {
      extensions: { code: 'BAD_USER_INPUT', field: 'price' },
    });
    expect(formatError(own.toJSON(), own).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'price' });
  });

  it('answers anything unexpected as INTERNAL_SERVER_ERROR with no detail and no stack trace', () => {
    const surprise = new GraphQLError('Cannot read properties of undefined', {
      extensions: { stacktrace: ['at x'] },
    });
    expect(formatError(surprise.toJSON(), surprise)).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
