import { parse } from 'graphql';
import { MAX_OBJECT_FIELDS, MAX_VARIABLE_FIELDS, wideVariableError } from './wide-variables';

describe('an object in the variables with more fields than any input takes', () => {
  const doc = parse(
    'mutation($i: PlaceOrderInput!, $j: JSON) { placeOrder(input: $i) { id } a: answer(opening: $j) }',
  );
  const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
  const refusal = (variables: Record<string, unknown>) => {
    const error = wideVariableError(doc, variables);
    return (
      error && { code: error.extensions['code'], field: error.extensions['field'], message: error.message }
    );
  };

  it('is refused BAD_USER_INPUT naming the argument it is given to, however deep it is', () => {
    expect(refusal({ i: wide(85_000) })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input',
      message: `input is an object of 85000 fields: no input of this API takes more than ${MAX_OBJECT_FIELDS}; send only the fields it takes`,
    });
    expect(refusal({ j: { rows: [{}, { deep: wide(MAX_OBJECT_FIELDS + 1) }] } })).toMatchObject({
      field: 'opening.rows[1].deep',
    });
  });

  it("counts a variable's objects inside one another together: 85 of 1,000 fields each are refused too", () => {
    const nested = Object.fromEntries(Array.from({ length: 85 }, (_, i) => [`k${i}`, wide(1_000)]));
    expect(refusal({ i: nested })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input',
      message: `input holds over ${MAX_VARIABLE_FIELDS} fields in its objects: no input of this API holds that many; send only the fields it takes`,
    });
    const listed = { rows: Array.from({ length: 11 }, () => wide(1_000)) };
    expect(refusal({ j: listed })).toMatchObject({ field: 'opening' });
    // Up to the limit in all: through.
    expect(refusal({ j: { rows: Array.from({ length: 9 }, () => wide(1_000)) } })).toBeUndefined();
  });

  it('lets through objects up to the limit, long lists and scalars', () => {
    expect(refusal({ i: wide(MAX_OBJECT_FIELDS) })).toBeUndefined();
    expect(refusal({ j: { rows: Array.from({ length: 100_000 }, (_, i) => i) } })).toBeUndefined();
    expect(refusal({ i: 'x', j: null })).toBeUndefined();
    expect(wideVariableError(doc, undefined)).toBeUndefined();
  });
});
