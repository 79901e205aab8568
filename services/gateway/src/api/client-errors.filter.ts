import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

/**
 * A GraphQLError a resolver or guard throws is the caller's answer (a code, the field at fault),
 * not a fault of the gateway: it goes to Apollo as it is. Without this filter Nest's
 * ExceptionsHandler logged every one at error level with its stack, so any anonymous client could
 * fill the error log with NOT_FOUNDs. Anything else thrown (a bug) is still Nest's to log, and
 * formatError answers it INTERNAL_SERVER_ERROR.
 */
@Catch(GraphQLError)
export class ClientErrorsFilter implements GqlExceptionFilter {
  catch(error: GraphQLError): GraphQLError {
    return error;
  }
}
