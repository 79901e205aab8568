import { openAccountSchema, depositSchema } from './settlement/accounts';
import { registerNodeCommandSchema, registerNodeSchema } from './capacity/nodes';
import { marketSpecSchema, openMarketSchema } from './orders/market';
import { aMarket, aNode } from './commands.fixture';
import { counted, label, modelName, printable } from './text';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? [] : (result.error?.issues.map((i) => i.message) ?? []);

describe('printable', () => {
  it.each(['', 'wire 2026-12-01/7', 'Zürich — 💥', '{"a":1}'])('accepts %j', (text) =>
    expect(printable(200).safeParse(text).success).toBe(true),
  );

  it.each([
    'a\nb',
    'tab\there',
    'nul\u0000',
    'del\u007f',
    'csi\u009b2J',
    '\u001b[31mred',
    'a\u2028b',
    'a\u2029b',
  ])('refuses %j: a control character', (text) =>
    expect(messages(printable(200).safeParse(text))).toEqual([
      'must not hold control characters (a line break, a tab, NUL)',
    ]),
  );

  it.each(['eu\udc00', 'X\ud800', '\ud800\ud800', 'a\ude00b'])('refuses %j: half a surrogate pair', (text) =>
    expect(messages(printable(200).safeParse(text))).toEqual([
      'must not hold half a surrogate pair (a \\uD800–\\uDFFF escape without its other half)',
    ]),
  );

  it.each(['admin\u202egnp.exe', 'a\u202ab', 'a\u2066b\u2069', 'x\u202c'])(
    'refuses %j: a bidirectional control',
    (text) =>
      expect(messages(printable(200).safeParse(text))).toEqual([
        'must not hold bidirectional controls (U+202A–U+202E, U+2066–U+2069), which change how the text around them is shown',
      ]),
  );

  it('accepts the bidirectional marks and right-to-left text', () =>
    expect(printable(50).safeParse('\u05e9\u05dc\u05d5\u05dd \u200f(IL)\u200e').success).toBe(true));

  it('accepts a whole pair (a character outside the basic plane)', () =>
    expect(printable(10).safeParse('GPU \ud83d\ude80').success).toBe(true));

  it('keeps its bound', () => expect(printable(3).safeParse('abcd').success).toBe(false));
});

describe('modelName', () => {
  it.each(['H100-80GB', 'RTX-4090', 'A100 80GB PCIe', 'Тесла'])('accepts %j', (text) =>
    expect(modelName(64).safeParse(text).success).toBe(true),
  );

  it.each([
    ['a zero width space inside', 'L\u200b4'],
    ['a soft hyphen inside', 'H100\u00ad80GB'],
    ['a word joiner at the end', 'L4\u2060'],
    ['a variation selector', 'L4\ufe0f'],
  ])('refuses %s, which looks like another name', (_, text) =>
    expect(messages(modelName(64).safeParse(text))).toEqual([
      'must not hold invisible characters (such as U+200B or U+00AD): a model name with one looks like another and is not it',
    ]),
  );

  it("keeps label's rules", () => {
    expect(modelName(64).safeParse('   ').success).toBe(false);
    expect(modelName(64).safeParse('L4\n').success).toBe(false);
    expect(modelName(2).safeParse('L40S').success).toBe(false);
  });
});

describe('label', () => {
  it.each(['eu-west', 'H100-80GB', 'Ada Lovelace', ' padded '])('accepts %j', (text) =>
    expect(label(64).safeParse(text).success).toBe(true),
  );

  it('refuses blank text and control characters, saying which', () => {
    const blank = [
      'must not be blank: it needs at least one character that shows (spaces and invisible characters alone, such as U+200B, are blank)',
    ];
    expect(messages(label(64).safeParse('   '))).toEqual(blank);
    expect(messages(label(64).safeParse('eu\n'))).toEqual([
      'must not hold control characters (a line break, a tab, NUL)',
    ]);
    expect(label(64).safeParse('').success).toBe(false);
    expect(label(4).safeParse('toolong').success).toBe(false);
  });

  it.each([
    ['a zero width space', '\u200b'],
    ['a Hangul filler', '\u3164'],
    ['the empty braille pattern', '\u2800'],
    ['a soft hyphen', '\u00ad'],
    ['a word joiner and spaces', ' \u2060 '],
    ['a variation selector', '\ufe0f'],
    ['a combining mark alone', '\u0301'],
    ['tag characters', '\u{e0041}\u{e0042}'],
    ['a no-break space', '\u00a0'],
    ['an ideographic space', '\u3000'],
  ])('refuses a name of only invisible characters: %s', (_what, text) =>
    expect(label(64).safeParse(text).success).toBe(false),
  );

  it.each(['Zoë', 'e\u0301', '👩\u200d💻', '数据中心', 'a\u200bb', '-'])(
    'accepts a name that shows something, invisible characters within it allowed: %j',
    (text) => expect(label(64).safeParse(text).success).toBe(true),
  );
});

describe('free text in commands, not in events', () => {
  it('refuses a blank or control-character name in the commands that take one', () => {
    expect(registerNodeCommandSchema.safeParse({ ...aNode, region: ' ' }).success).toBe(false);
    expect(registerNodeCommandSchema.safeParse({ ...aNode, gpuModel: 'H100\u0000' }).success).toBe(false);
    expect(registerNodeCommandSchema.safeParse({ ...aNode, region: 'eu\udc00' }).success).toBe(false);
    expect(openMarketSchema.safeParse({ ...aMarket, gpuClass: 'X\ud800' }).success).toBe(false);
    expect(openAccountSchema.safeParse({ accountId: 'a1', owner: 'a\ud800b' }).success).toBe(false);
    expect(openMarketSchema.safeParse({ ...aMarket, gpuClass: '\t' }).success).toBe(false);
    expect(openAccountSchema.safeParse({ accountId: 'a1', owner: 'Eve\nMallory' }).success).toBe(false);
    expect(depositSchema.safeParse({ accountId: 'a1', amount: 1, reference: 'inv\u0000' }).success).toBe(
      false,
    );
    expect(depositSchema.safeParse({ accountId: 'a1', amount: 1, reference: '' }).success).toBe(true);
    expect(registerNodeCommandSchema.safeParse(aNode).success).toBe(true);
    expect(openMarketSchema.safeParse(aMarket).success).toBe(true);
  });

  it('still reads an event recorded before the rule: the events keep plain strings', () => {
    expect(registerNodeSchema.safeParse({ ...aNode, region: ' ' }).success).toBe(true);
    expect(marketSpecSchema.safeParse({ ...aMarket, gpuClass: 'H100\n' }).success).toBe(true);
  });
});

describe('counted', () => {
  it('says 1 in the singular, any other count in the plural', () => {
    expect([counted(1, 'GPU'), counted(2, 'GPU'), counted(0, 'hour'), counted(1, 'hour')]).toEqual([
      '1 GPU',
      '2 GPUs',
      '0 hours',
      '1 hour',
    ]);
    expect(counted(3, 'adapter index', 'adapter indexes')).toBe('3 adapter indexes');
  });
});
