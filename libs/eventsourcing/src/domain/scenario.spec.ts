import { accept, Decider, Message, reject } from './decider';
import { scenario } from './scenario';

type Counted = Message<'Counted', { by: number; note?: string }>;
type Count = Message<'Count', { by: number }>;
const counter: Decider<Count, Counted, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command, state) =>
    command.data.by <= 0
      ? reject('BAD_USER_INPUT', 'counts up only', 'by')
      : state.total + command.data.by > 10
        ? reject('FORBIDDEN', 'at most 10')
        : accept({ type: 'Counted', data: { by: command.data.by } }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};
const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });
const count = (by: number): Count => ({ type: 'Count', data: { by } });

describe('scenario', () => {
  const given = scenario(counter).given(counted(4));

  it('folds the given events into the state', () => {
    expect(given.state).toEqual({ total: 4 });
  });

  it('answers the Decision, equal to a plain one', () => {
    expect(given.when(count(1))).toEqual({ kind: 'accepted', events: [counted(1)] });
  });

  describe('then', () => {
    it('passes on exactly the events decided, a property set to undefined equal to a missing one', () => {
      given.when(count(1)).then([counted(1)]);
      given.when(count(1)).then([{ type: 'Counted', data: { by: 1, note: undefined } }]);
    });

    it.each([
      ['other events', [counted(2)]],
      ['fewer events', []],
      ['more events', [counted(1), counted(1)]],
      ['an extra property', [{ type: 'Counted', data: { by: 1, note: 'x' } } as Counted]],
    ])('fails on %s', (_what, events) => {
      expect(() => given.when(count(1)).then(events)).toThrow(/expected the events/);
    });

    it('fails on a rejection', () => {
      expect(() => given.when(count(0)).then([])).toThrow(/rejected/);
    });
  });

  describe('thenRejects', () => {
    it('passes on the code and the field, and answers the rejection', () => {
      expect(given.when(count(0)).thenRejects('BAD_USER_INPUT', 'by')).toMatchObject({
        message: 'counts up only',
      });
      given.when(count(0)).thenRejects('BAD_USER_INPUT');
      given.when(count(7)).thenRejects('FORBIDDEN');
    });

    it('fails on another code, another field, or an acceptance', () => {
      expect(() => given.when(count(0)).thenRejects('NOT_FOUND', 'by')).toThrow(/expected a rejection/);
      expect(() => given.when(count(0)).thenRejects('BAD_USER_INPUT', 'total')).toThrow(/of total/);
      expect(() => given.when(count(7)).thenRejects('FORBIDDEN', 'by')).toThrow(/of by/);
      expect(() => given.when(count(1)).thenRejects('BAD_USER_INPUT')).toThrow(/accepted/);
    });
  });
});
