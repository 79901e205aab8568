import { randomBytes, randomUUID } from 'node:crypto';
import { Args, Context, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { CapacityCommands, capacityReadModel as rm, NodeRecord, ordersReadModel } from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { requireRole, RequestContext, sha256 } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { apiError } from '../api/errors';

@ObjectType({ description: 'A provider\'s machine: its declared GPUs and what certification measured.' })
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
  @Field({ description: 'UNCERTIFIED, CERTIFIED or EXPIRED.' })
  status!: string;
  @Field(() => Float, { nullable: true, description: 'Certified f32 TFLOP/s per GPU.' })
  tflopsPerGpu?: number;
  @Field(() => Float, { nullable: true, description: 'Certified f16 TFLOP/s per GPU, where measured.' })
  tflopsF16PerGpu?: number;
  @Field(() => Float, { nullable: true, description: 'Measured / the declared model\'s peak.' })
  efficiency?: number;
  @Field({ nullable: true })
  tier?: string;
  @Field({ nullable: true })
  certifiedUntil?: string;
  @Field({ nullable: true, description: 'challenge (a verified matmul challenge) or admin.' })
  certifiedBy?: string;
  @Field()
  registeredAt!: string;
}

@ObjectType({ description: 'A registered node and its credential. The credential is shown this once: the worker joins with it.' })
export class RegisteredNode {
  @Field(() => NodeView)
  node!: NodeView;
  @Field()
  credential!: string;
}

@InputType()
export class RegisterNodeInput {
  @Field(() => ID, { description: 'The market it sells in; its GPU class must be the node\'s model.' })
  marketId!: string;
  @Field({ description: 'The declared GPU model, e.g. H100-80GB.' })
  gpuModel!: string;
  @Field(() => Int)
  gpus!: number;
  @Field()
  region!: string;
  @Field(() => ID, { nullable: true, description: 'Your id for the node (default: generated). Registering an id twice is refused.' })
  nodeId?: string;
}

export async function readNode(redis: RedisClient['redis'], nodeId: string): Promise<NodeView | null> {
  const h = await redis.hgetall(rm.node(nodeId));
  if (!h['providerId']) return null;
  const expired = h['expiresAt'] && Date.parse(h['expiresAt']) <= Date.now();
  const opt = (f: string) => (h[f] ? Number(h[f]) : undefined);
  return {
    id: nodeId, providerId: h['providerId'], marketId: h['marketId']!, gpuModel: h['gpuModel']!, gpus: Number(h['gpus']), region: h['region']!,
    status: h['status'] === 'CERTIFIED' && expired ? 'EXPIRED' : h['status']!, registeredAt: h['registeredAt']!,
    ...(opt('tflopsF32') !== undefined ? { tflopsPerGpu: opt('tflopsF32') } : {}),
    ...(opt('tflopsF16') !== undefined ? { tflopsF16PerGpu: opt('tflopsF16') } : {}),
    ...(opt('efficiency') !== undefined ? { efficiency: opt('efficiency') } : {}),
    ...(h['tier'] ? { tier: h['tier'] } : {}),
    ...(h['expiresAt'] ? { certifiedUntil: h['expiresAt'] } : {}),
    ...(h['certifiedBy'] ? { certifiedBy: h['certifiedBy'] } : {}),
  };
}

@Resolver(() => NodeView)
export class NodesResolver {
  constructor(
    private readonly commands: Commands,
    private readonly redis: RedisClient,
  ) {}

  @Mutation(() => RegisteredNode, { description: 'Registers a node of yours (provider). Asks on it are refused until it is certified.' })
  async registerNode(@Args('input') input: RegisterNodeInput, @Context() context: RequestContext): Promise<RegisteredNode> {
    const p = requireRole(context, 'provider');
    const market = await this.redis.redis.hgetall(ordersReadModel.market(input.marketId));
    if (!market['gpuClass']) throw apiError('NOT_FOUND', `market ${input.marketId} does not exist`, 'marketId');
    if (market['gpuClass'] !== input.gpuModel) throw apiError('BAD_USER_INPUT', `market ${input.marketId} trades ${market['gpuClass']}, not ${input.gpuModel}`, 'gpuModel');
    const nodeId = input.nodeId ?? `node-${randomUUID()}`;
    const credential = `gpxn_${randomBytes(24).toString('base64url')}`;
    const data = { nodeId, providerId: p.accountId, gpuModel: input.gpuModel, gpus: input.gpus, region: input.region, marketId: input.marketId, credentialHash: sha256(credential).toString('hex') };
    await this.commands.execute('capacity', { type: CapacityCommands.registerNode.type, subject: nodeId, data }, rm.name);
    return { node: (await readNode(this.redis.redis, nodeId))!, credential };
  }

  @Mutation(() => NodeView, {
    description: 'Marks a node certified without a challenge (admin; for tests and demos), recorded as an event like a verified certification. Answers once its market knows.',
  })
  async markNodeCertified(
    @Args('nodeId', { type: () => ID }) nodeId: string,
    @Args('tflopsPerGpu', { type: () => Float }) tflopsPerGpu: number,
    @Args('validForHours', { type: () => Int, defaultValue: 720 }) validForHours: number,
    @Context() context: RequestContext,
  ): Promise<NodeView> {
    requireRole(context, 'admin');
    if (!(validForHours >= 1 && validForHours <= 24 * 366)) throw apiError('BAD_USER_INPUT', 'validForHours must be 1 to 8784', 'validForHours');
    await this.commands.execute('capacity', { type: CapacityCommands.markNodeCertified.type, subject: nodeId, data: { nodeId, tflopsPerGpu, validForMs: validForHours * 3_600_000 } }, rm.name);
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
      if (recorded && recorded.certifiedTflopsPerGpu === tflops && recorded.certifiedUntil === node.certifiedUntil) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw apiError('TIMEOUT', `node ${node.id} is certified, but market ${node.marketId} does not know it yet; retry the ask shortly`);
  }

  @Query(() => NodeView, { nullable: true, description: 'A node by id.' })
  async node(@Args('id', { type: () => ID }) id: string, @Context() context: RequestContext): Promise<NodeView | null> {
    requireRole(context, 'admin', 'buyer', 'provider');
    return readNode(this.redis.redis, id);
  }

  @Query(() => [NodeView], { description: 'Your nodes (provider), oldest first; at most 500.' })
  async myNodes(@Context() context: RequestContext): Promise<NodeView[]> {
    const p = requireRole(context, 'provider');
    const ids = await this.redis.redis.zrange(rm.providerNodes(p.accountId), 0, 499);
    return (await Promise.all(ids.map((id) => readNode(this.redis.redis, id)))).filter((n): n is NodeView => n !== null);
  }
}
