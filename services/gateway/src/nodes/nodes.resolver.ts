import { randomBytes, randomUUID } from 'node:crypto';
import {
  Args,
  Context,
  Field,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import {
  CapacityCommands,
  capacityReadModel as rm,
  nodeHeartbeatKey,
  NodeRecord,
  ordersReadModel,
} from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { NODE_CREDENTIAL_PREFIX, requireRole, RequestContext, sha256 } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { apiError } from '../api/errors';
import { command, IDEMPOTENCY_KEY } from '../api/idempotency';
import { CertificationMethod, NodeStatus, NodeTier, SuspendedReason } from '../api/enums';
import { GraphQLJSON } from '../api/json.scalar';
import { GraphQLDateTimeString } from '../api/scalars';
import { RedisPubSub } from '../api/pubsub';

@ObjectType({ description: "A provider's machine: its declared GPUs and what certification measured." })
export class NodeView {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  providerId!: string;
  @Field(() => ID)
  marketId!: string;
  @Field({ description: 'The declared GPU model, e.g. H100-80GB.' })
  gpuModel!: string;
  @Field(() => Int)
  gpus!: number;
  @Field()
  region!: string;
  @Field(() => NodeStatus)
  status!: NodeStatus;
  @Field(() => SuspendedReason, { nullable: true, description: 'Why it is suspended, while it is.' })
  suspendedReason?: SuspendedReason;
  @Field({ description: 'A worker is joined and heartbeating.' })
  online!: boolean;
  @Field(() => GraphQLDateTimeString, { nullable: true })
  lastHeartbeatAt?: string;
  @Field(() => GraphQLDateTimeString, { nullable: true, description: 'The end of its latest lease.' })
  leasedUntil?: string;
  @Field(() => Float, { nullable: true, description: 'Certified f32 TFLOP/s per GPU.' })
  tflopsPerGpu?: number;
  @Field(() => Float, { nullable: true, description: 'Certified f16 TFLOP/s per GPU, where measured.' })
  tflopsF16PerGpu?: number;
  @Field(() => Float, { nullable: true, description: "Measured / the declared model's peak." })
  efficiency?: number;
  @Field(() => NodeTier, { nullable: true })
  tier?: NodeTier;
  @Field(() => GraphQLDateTimeString, { nullable: true })
  certifiedUntil?: string;
  @Field(() => CertificationMethod, { nullable: true })
  certifiedBy?: CertificationMethod;
  @Field(() => GraphQLDateTimeString)
  registeredAt!: string;
}

@ObjectType({
  description:
    'A registered node and its credential. The credential is shown this once: the worker joins with it.',
})
export class RegisteredNode {
  @Field(() => NodeView)
  node!: NodeView;
  @Field()
  credential!: string;
}

@InputType()
export class RegisterNodeInput {
  @Field(() => ID, { description: "The market it sells in; its GPU class must be the node's model." })
  marketId!: string;
  @Field({ description: 'The declared GPU model, e.g. H100-80GB.' })
  gpuModel!: string;
  @Field(() => Int)
  gpus!: number;
  @Field()
  region!: string;
  @Field(() => ID, {
    nullable: true,
    description: 'Your id for the node (default: generated). Registering an id twice is refused.',
  })
  nodeId?: string;
}

export async function readNode(redis: RedisClient['redis'], nodeId: string): Promise<NodeView | null> {
  const [h, beat, session] = await Promise.all([
    redis.hgetall(rm.node(nodeId)),
    redis.get(nodeHeartbeatKey(nodeId)),
    redis.zscore(rm.sessions, nodeId),
  ]);
  if (!h['providerId']) return null;
  const expired = h['expiresAt'] && Date.parse(h['expiresAt']) <= Date.now();
  const opt = (f: string) => (h[f] ? Number(h[f]) : undefined);
  return {
    id: nodeId,
    providerId: h['providerId'],
    marketId: h['marketId']!,
    gpuModel: h['gpuModel']!,
    gpus: Number(h['gpus']),
    region: h['region']!,
    status: h['status'] === 'CERTIFIED' && expired ? 'EXPIRED' : (h['status'] as NodeStatus),
    registeredAt: h['registeredAt']!,
    online: session !== null && beat !== null,
    ...(beat ? { lastHeartbeatAt: beat } : {}),
    ...(h['status'] === 'SUSPENDED' && h['suspendedReason']
      ? { suspendedReason: h['suspendedReason'] as SuspendedReason }
      : {}),
    ...(h['leasedUntilMs'] ? { leasedUntil: new Date(Number(h['leasedUntilMs'])).toISOString() } : {}),
    ...(opt('tflopsF32') !== undefined ? { tflopsPerGpu: opt('tflopsF32') } : {}),
    ...(opt('tflopsF16') !== undefined ? { tflopsF16PerGpu: opt('tflopsF16') } : {}),
    ...(opt('efficiency') !== undefined ? { efficiency: opt('efficiency') } : {}),
    ...(h['tier'] ? { tier: h['tier'] as NodeTier } : {}),
    ...(h['expiresAt'] ? { certifiedUntil: h['expiresAt'] } : {}),
    ...(h['certifiedBy'] ? { certifiedBy: h['certifiedBy'] as CertificationMethod } : {}),
  };
}

@ObjectType({ description: "A node's credential, shown this once: its worker joins with it." })
export class NodeCredential {
  @Field(() => ID)
  nodeId!: string;
  @Field()
  credential!: string;
}

@InputType({ description: 'Which nodes to list.' })
export class NodesFilter {
  @Field(() => ID, { nullable: true })
  marketId?: string;
  @Field(() => Float, { nullable: true, description: 'Certified f32 TFLOP/s per GPU at least.' })
  minTflops?: number;
  @Field(() => NodeStatus, { nullable: true })
  status?: NodeStatus;
}

const MAX_NODES = 500;

@Resolver(() => NodeView)
export class NodesResolver {
  constructor(
    private readonly commands: Commands,
    private readonly redis: RedisClient,
    private readonly pubsub: RedisPubSub,
  ) {}

  /** The node, which must be the caller's. */
  private async own(nodeId: string, providerId: string): Promise<NodeView> {
    const node = await readNode(this.redis.redis, nodeId);
    if (!node) throw apiError('NOT_FOUND', `node ${nodeId} does not exist`, 'nodeId');
    if (node.providerId !== providerId)
      throw apiError('FORBIDDEN', `node ${nodeId} belongs to another provider`, 'nodeId');
    return node;
  }

  @Mutation(() => NodeCredential, {
    description: "Replaces a node's credential (provider): the old one stops working at once.",
  })
  async rotateNodeCredential(
    @Args('nodeId', { type: () => ID }) nodeId: string,
    @Context() context: RequestContext,
  ): Promise<NodeCredential> {
    const p = requireRole(context, 'provider');
    await this.own(nodeId, p.accountId);
    const credential = `${NODE_CREDENTIAL_PREFIX}${randomBytes(24).toString('base64url')}`;
    const data = { nodeId, providerId: p.accountId, credentialHash: sha256(credential).toString('hex') };
    await this.commands.execute(
      'capacity',
      { type: CapacityCommands.rotateNodeCredential.type, subject: nodeId, data },
      rm.name,
    );
    return { nodeId, credential };
  }

  @Mutation(() => NodeView, {
    description:
      "Revokes a node's credential (provider): its worker is refused until the credential is rotated.",
  })
  async revokeNodeCredential(
    @Args('nodeId', { type: () => ID }) nodeId: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Context() context: RequestContext,
  ): Promise<NodeView> {
    const p = requireRole(context, 'provider');
    await this.own(nodeId, p.accountId);
    await this.commands.execute(
      'capacity',
      command(
        p,
        CapacityCommands.revokeNodeCredential.type,
        nodeId,
        { nodeId, providerId: p.accountId },
        idempotencyKey,
      ),
      rm.name,
    );
    return (await readNode(this.redis.redis, nodeId))!;
  }

  @ResolveField(() => [GraphQLJSON], {
    description:
      'Its certification history, newest first (at most 50): passed and failed challenges, admin certificates.',
  })
  async certifications(@Parent() node: NodeView): Promise<Record<string, unknown>[]> {
    const raw = await this.redis.redis.lrange(rm.certifications(node.id), -50, -1);
    return raw.map((r) => JSON.parse(r) as Record<string, unknown>).reverse();
  }

  @Query(() => [NodeView], { description: `Nodes, oldest first, filtered; at most ${MAX_NODES}.` })
  async nodes(
    @Args('filter', { type: () => NodesFilter, nullable: true }) filter: NodesFilter | undefined,
    @Context() context: RequestContext,
  ): Promise<NodeView[]> {
    requireRole(context, 'admin', 'buyer', 'provider');
    const ids = await this.redis.redis.zrange(rm.nodes, 0, 4_999);
    const out: NodeView[] = [];
    for (let i = 0; i < ids.length && out.length < MAX_NODES; i += 100) {
      const batch = await Promise.all(ids.slice(i, i + 100).map((id) => readNode(this.redis.redis, id)));
      for (const n of batch) {
        if (!n) continue;
        if (filter?.marketId && n.marketId !== filter.marketId) continue;
        if (filter?.status && n.status !== filter.status) continue;
        if (
          filter?.minTflops !== undefined &&
          !((n.tflopsPerGpu ?? 0) >= filter.minTflops && n.status === 'CERTIFIED')
        )
          continue;
        if (out.length < MAX_NODES) out.push(n);
      }
    }
    return out;
  }

  @Subscription(() => NodeView, {
    description: 'A node as its status changes: certified, suspended, lost, challenged.',
    resolve: (n: NodeView) => n,
  })
  async nodeStatusChanged(
    @Args('nodeId', { type: () => ID }) nodeId: string,
    @Context() context: RequestContext,
  ) {
    requireRole(context, 'admin', 'buyer', 'provider');
    if (!(await readNode(this.redis.redis, nodeId)))
      throw apiError('NOT_FOUND', `node ${nodeId} does not exist`, 'nodeId');
    return this.pubsub.iterate(rm.nodeChannel(nodeId), () => readNode(this.redis.redis, nodeId));
  }

  @Mutation(() => RegisteredNode, {
    description: 'Registers a node of yours (provider). Asks on it are refused until it is certified.',
  })
  async registerNode(
    @Args('input') input: RegisterNodeInput,
    @Context() context: RequestContext,
  ): Promise<RegisteredNode> {
    const p = requireRole(context, 'provider');
    const market = await this.redis.redis.hgetall(ordersReadModel.market(input.marketId));
    if (!market['gpuClass'])
      throw apiError('NOT_FOUND', `market ${input.marketId} does not exist`, 'marketId');
    if (market['gpuClass'] !== input.gpuModel)
      throw apiError(
        'BAD_USER_INPUT',
        `market ${input.marketId} trades ${market['gpuClass']}, not ${input.gpuModel}`,
        'gpuModel',
      );
    const nodeId = input.nodeId ?? `node-${randomUUID()}`;
    const credential = `${NODE_CREDENTIAL_PREFIX}${randomBytes(24).toString('base64url')}`;
    const data = {
      nodeId,
      providerId: p.accountId,
      gpuModel: input.gpuModel,
      gpus: input.gpus,
      region: input.region,
      marketId: input.marketId,
      credentialHash: sha256(credential).toString('hex'),
    };
    await this.commands.execute(
      'capacity',
      { type: CapacityCommands.registerNode.type, subject: nodeId, data },
      rm.name,
    );
    return { node: (await readNode(this.redis.redis, nodeId))!, credential };
  }

  @Mutation(() => NodeView, {
    description:
      'Marks a node certified without a challenge (admin; for tests and demos), recorded as an event like a verified certification. Answers once its market knows.',
  })
  async markNodeCertified(
    @Args('nodeId', { type: () => ID }) nodeId: string,
    @Args('tflopsPerGpu', { type: () => Float }) tflopsPerGpu: number,
    @Args('validForHours', { type: () => Int, defaultValue: 720 }) validForHours: number,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Context() context: RequestContext,
  ): Promise<NodeView> {
    const p = requireRole(context, 'admin');
    if (!(validForHours >= 1 && validForHours <= 24 * 366))
      throw apiError('BAD_USER_INPUT', 'validForHours must be 1 to 8784', 'validForHours');
    const data = { nodeId, tflopsPerGpu, validForMs: validForHours * 3_600_000 };
    await this.commands.execute(
      'capacity',
      command(p, CapacityCommands.markNodeCertified.type, nodeId, data, idempotencyKey),
      rm.name,
    );
    const node = (await readNode(this.redis.redis, nodeId))!;
    await this.listed(node, tflopsPerGpu);
    return node;
  }

  /** Waits until the node's market records the certification, so an ask placed next is judged on it. */
  private async listed(node: NodeView, tflops: number): Promise<void> {
    const deadline = Date.now() + COMMAND_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const raw = await this.redis.redis.hget(ordersReadModel.marketNodes(node.marketId), node.id);
      const recorded = raw ? (JSON.parse(raw) as NodeRecord) : null;
      if (
        recorded &&
        recorded.certifiedTflopsPerGpu === tflops &&
        recorded.certifiedUntil === node.certifiedUntil
      )
        return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw apiError(
      'TIMEOUT',
      `node ${node.id} is certified, but market ${node.marketId} does not know it yet; retry the ask shortly`,
    );
  }

  @Query(() => NodeView, { nullable: true, description: 'A node by id.' })
  async node(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: RequestContext,
  ): Promise<NodeView | null> {
    requireRole(context, 'admin', 'buyer', 'provider');
    return readNode(this.redis.redis, id);
  }

  @Query(() => [NodeView], { description: 'Your nodes (provider), oldest first; at most 500.' })
  async myNodes(@Context() context: RequestContext): Promise<NodeView[]> {
    const p = requireRole(context, 'provider');
    const ids = await this.redis.redis.zrange(rm.providerNodes(p.accountId), 0, 499);
    return (await Promise.all(ids.map((id) => readNode(this.redis.redis, id)))).filter(
      (n): n is NodeView => n !== null,
    );
  }
}
