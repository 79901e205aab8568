import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { apiError } from './errors';

/*
 * How many tokens a document may hold, counted on its text before it is parsed. Parsing and
 * validating cost the gateway's one thread in proportion to the document, and graphql-js stops
 * only some of its own work early: a megabyte of 30,000 operations took 0.7 s to be refused. The
 * limit is far above what any operation of this API needs: at most MAX_FIELDS (300) fields, each
 * with an alias and a few arguments, and the introspection query every tool sends is about 200.
 */
export const MAX_TOKENS = 10_000;

/**
 * The tokens of a GraphQL document (punctuators, names, values; not whitespace or comments), stopping
 * once past `limit`; undefined when its text does not lex (parsing it says why).
 */
export function documentTokens(source: string, limit = Number.POSITIVE_INFINITY): number | undefined {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) if (++count > limit) break;
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  return count;
}

/** QUERY_TOO_COMPLEX when `source` holds more than MAX_TOKENS tokens; undefined otherwise. */
export function tokensError(source: string): GraphQLError | undefined {
  if (source.length <= MAX_TOKENS) return undefined; // a token is at least one character
  const tokens = documentTokens(source, MAX_TOKENS);
  if (tokens === undefined || tokens <= MAX_TOKENS) return undefined;
  return apiError(
    'QUERY_TOO_COMPLEX',
    `the document holds more than ${MAX_TOKENS} tokens (names, values, punctuation); no operation of this API needs more: send a smaller one`,
  );
}
