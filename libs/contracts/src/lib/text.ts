import { z } from 'zod';

/*
 * Free text in commands: what a caller may write where the API takes a name or a note. Ids have
 * their own rule (entityId, envelope.ts). Events keep plain strings, so that what was recorded
 * before a rule tightened still reads back.
 */
// Unicode's control characters (C0, DEL and C1): a line break, a tab, NUL, an escape sequence;
// and its line and paragraph separators (U+2028, U+2029), which break a line as well.
export const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;
// Unicode's bidirectional embeddings, overrides and isolates: they reorder how the text after them
// is shown (a name reads as another, an owner's name reversed in the console), and no name needs
// them. The marks U+200E and U+200F, which reorder nothing beyond themselves, stay allowed.
export const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
// Half a UTF-16 surrogate pair: no character at all. Stored, it reads back as U+FFFD; and the read
// models' script (cjson) cannot decode it (the runner sends U+FFFD for it since: apply-script.ts,
// luaJSON), so one such name stopped a read model for good.
const HALF_SURROGATE = /\p{Cs}/u;
/**
 * Text a caller writes on one line (a reference, say): any characters but control characters,
 * bidirectional controls and halves of surrogate pairs.
 */
export const printable = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARACTER.test(s), 'must not hold control characters (a line break, a tab, NUL)')
    .refine(
      (s) => !BIDI_CONTROL.test(s),
      'must not hold bidirectional controls (U+202A–U+202E, U+2066–U+2069), which change how the text around them is shown',
    )
    .refine(
      (s) => !HALF_SURROGATE.test(s),
      'must not hold half a surrogate pair (a \\uD800–\\uDFFF escape without its other half)',
    );
// What shows: a character that is not white space, not one Unicode says to show nothing for when it
// cannot (default ignorable: U+200B zero width space, U+2060 word joiner, U+00AD soft hyphen, U+3164
// Hangul filler, variation selectors, tags), not a combining mark (shown only on what it follows),
// and not U+2800, the braille pattern with no dots. A name of only those looked empty everywhere.
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;
/**
 * A name a caller gives (an owner, a region, a GPU model): printable, 1 to `max` characters, at
 * least one of which shows (not only spaces, nor only invisible characters). For commands only: an
 * event's schema keeps accepting what was recorded before.
 */
export const label = (max: number) =>
  printable(max)
    .min(1)
    .refine(
      (s) => VISIBLE.test(s),
      'must not be blank: it needs at least one character that shows (spaces and invisible characters alone, such as U+200B, are blank)',
    );

// A character Unicode says to show nothing for when it cannot (U+200B, U+2060, U+00AD, U+3164,
// variation selectors, tags...): inside a name it shows nothing at all.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
/**
 * A GPU model or class (H100-80GB): a `label` without invisible characters anywhere. Markets and
 * nodes must name a model the same way, and "L\u200b4" shows as L4 everywhere while it is not
 * L4 to the market that trades it; no model's name needs one (a person's or a place's may: a
 * zero-width joiner in an emoji, a non-joiner in Persian, so `label` keeps them).
 */
export const modelName = (max: number) =>
  label(max).refine(
    (s) => !INVISIBLE.test(s),
    'must not hold invisible characters (such as U+200B or U+00AD): a model name with one looks like another and is not it',
  );

/** A `modelName`'s rule in words, for the API's descriptions. */
export const modelNameRule = (max: number) =>
  `One line of 1 to ${max} characters, not blank (no line break, tab or other control character, no bidirectional control, no invisible character such as U+200B).`;
/** A `label`'s rule in words, for the API's descriptions. */
export const labelRule = (max: number) =>
  `One line of 1 to ${max} characters, not blank (no line break, tab or other control character, no bidirectional control).`;
/** A `printable`'s rule in words, for the API's descriptions. */
export const printableRule = (max: number) =>
  `One line of at most ${max} characters (no line break, tab or other control character, no bidirectional control).`;

/**
 * `n` and its noun, singular for 1 ("1 GPU", "2 GPUs", "1 hour"), for the messages a caller reads:
 * "1 GPUs × 1 hours" read as a bug. `plural` for a noun that does not take an s.
 */
export const counted = (n: number, singular: string, plural = `${singular}s`): string =>
  `${n} ${n === 1 ? singular : plural}`;
