import { Field, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { DependencyIndicators } from '@gpux/platform';
import { Public } from '../api/access';
import { ERROR_CODES, ErrorAction, ErrorCode } from '../api/error-codes';

export enum DependencyStatus {
  UP = 'UP',
  DOWN = 'DOWN',
}
registerEnumType(DependencyStatus, {
  name: 'DependencyStatus',
  description: 'Whether the gateway can reach a part it depends on right now.',
  valuesMap: {
    UP: { description: 'Reached: it answered the check just now, within 1.5 seconds.' },
    DOWN: {
      description: 'Not reached: its connection is not ready, or the check failed or took over 1.5 seconds.',
    },
  },
});

@ObjectType({ description: 'The state of the API and of the parts it stands on.' })
export class SystemStatus {
  @Field({ description: 'The service answering: always `gateway`.' })
  service!: string;

  @Field(() => DependencyStatus, {
    description: 'The Kafka cluster, the event log every command goes through.',
  })
  kafka!: DependencyStatus;

  @Field(() => DependencyStatus, {
    description: 'Redis, where the read models that queries answer from live.',
  })
  redis!: DependencyStatus;
}

@ObjectType({ description: 'An error code, and what a client should do about it.' })
export class ErrorCodeInfo {
  @Field(() => ErrorCode, { description: 'The code, as an error carries it in extensions.code.' })
  code!: ErrorCode;
  @Field(() => ErrorAction, { description: 'What a client should do about an error of this code.' })
  action!: ErrorAction;
  @Field({ description: 'What it means, for people (the same words as the ErrorCode value).' })
  description!: string;
}

@Resolver(() => SystemStatus)
export class SystemResolver {
  constructor(private readonly deps: DependencyIndicators) {}

  @Query(() => SystemStatus, { description: 'Whether the API can currently reach Kafka and Redis.' })
  @Public()
  async system(): Promise<SystemStatus> {
    const [kafka, redis] = await Promise.all([this.deps.kafkaUp(), this.deps.redisUp()]);
    const status = (r: Record<string, { status: string }>, key: string) =>
      r[key]?.status === 'up' ? DependencyStatus.UP : DependencyStatus.DOWN;
    return { service: 'gateway', kafka: status(kafka, 'kafka'), redis: status(redis, 'redis') };
  }

  @Query(() => [ErrorCodeInfo], {
    description:
      'Every code an error of this API can carry (extensions.code), with what to do about it. Needs no key.',
  })
  @Public()
  errorCodes(): ErrorCodeInfo[] {
    return Object.entries(ERROR_CODES).map(([code, info]) => ({
      code: code as ErrorCode,
      action: info.action,
      description: info.description,
    }));
  }
}
