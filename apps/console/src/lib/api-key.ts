// What an API key may hold before it is sent: fetch throws a TypeError for a header value with a
// character outside ISO-8859-1, which would read as "the gateway cannot be reached".

/** Keys are `gpx_` and base64url: visible ASCII, no spaces. */
const KEY_CHARACTER = /^[\x21-\x7e]$/;

/**
 * Why the key cannot be one (a smart quote, a space or a line break pasted with it), or null when
 * all its characters can be. The character is named by its code point only, so the message never
 * holds any part of the key.
 */
export function apiKeyProblem(key: string): string | null {
  let position = 0;
  for (const character of key) {
    position += 1;
    if (KEY_CHARACTER.test(character)) continue;
    const code = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return `the API key holds a character no key has (U+${code}, character ${position}): paste the key again without extra characters`;
  }
  return null;
}
