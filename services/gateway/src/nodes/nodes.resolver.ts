import { randomBytes, randomUUID } from 'node:crypto';
import {
  Args,
  Float,
  ID,
  Info,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { CommandOutcome } from '@gpux/eventsourcing';
import {
  CapacityCommands,
  capacityReadModel as rm,
  closedMarketMessage,
  NUMBER_LIMITS,
  type RevokedBy,
} from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { CapacityQueries, OrdersQueries } from '@gpux/read-models';
import { Caller, Roles, WhenRefused } from '../api/access';
import { NODE_CREDENTIAL_PREFIX, Principal, sha256 } from '../api/auth';
import { COMMAND_TIMEOUT_MS, Commands } from '../api/commands';
import { checkPageArgs, keptOf, PageArgs, pageAt, readPage, readSetPage } from '../api/connections';
import { apiError } from '../api/errors';
import { NodeStatus } from '../api/enums';
import {
  command,
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_KEY_SECRET_ONCE,
  idFromKey,
  revealingOnce,
} from '../api/idempotency';
import { RedisPubSub } from '../api/pubsub';
import { readRecorded, Recorded, recordedDeadline, RecordedSource } from '../api/recorded';
import { timedOutError } from '../api/timeout';
import { memoised } from '../api/request-memo';
import { nodesFilterScans } from '../api/whole-scans';
import {
  CertificationConnection,
  CertificationRecordConnection,
  GpuNodeConnection,
  NodeCredential,
  NodesFilter,
  GpuNode,
  RegisteredNode,
  RegisterNodeInput,
  toCertificationRecord,
  toNode,
} from './nodes.views';

/** A node looked up by its id. */
const NODE_ID = { type: () => ID, description: "The node's id." };

@Resolver(() => GpuNode)
export class NodesResolver {
  private readonly capacity: CapacityQueries;
  private readonly orders: OrdersQueries;
  private readonly source: RecordedSource;

  constructor(
    private readonly commands: Commands,
    redis: RedisClient,
    private readonly pubsub: RedisPubSub,
  ) {
    this.capacity = new CapacityQueries(redis.redis);
    this.orders = new OrdersQueries(redis.redis);
    this.source = { redis: redis.redis, notices: commands.notices };
  }

  private async readNode(nodeId: string): Promise<GpuNode | null> {
    const node = await this.capacity.node(nodeId);
    return node && toNode(node);
  }

  /**
   * The node as a recorded command left it: waits for capacity's model to show it again when
   * Redis was flushed since, else UNAVAILABLE saying what was recorded (api/recorded.ts).
   */
  private recordedNode(
    nodeId: string,
    outcome: { position: CommandOutcome['position'] },
    what: string,
    started: number,
    idempotencyKey?: string,
  ): Promise<GpuNode> {
    const recorded: Recorded = {
      what,
      readWith: `gpuNode(id: ${JSON.stringify(nodeId)})`,
      extensions: { nodeId, ...(idempotencyKey ? { idempotencyKey } : {}) },
    };
    return readRecorded(
      this.source,
      rm.name,
      outcome,
      () => this.readNode(nodeId),
      recorded,
      recordedDeadline(started),
    );
  }

  /** The node, which must be the caller's. */
  private async own(nodeId: string, providerId: string): Promise<GpuNode> {
    const node = await this.readNode(nodeId);
    if (!node) throw apiError('NOT_FOUND', `node ${nodeId} does not exist`, 'nodeId');
    if (node.providerId !== providerId)
      throw apiError('FORBIDDEN', `node ${nodeId} belongs to another provider`, 'nodeId');
    return node;
  }

  /**
   * Who revokes the node's credential, and the node's provider the command names: an admin key
   * any provider's node (the operator, facing a compromised node), a provider key its own.
   */
  private async revoker(
    nodeId: string,
    p: Principal,
  ): Promise<{ providerId: string; revokedBy?: RevokedBy }> {
    // A provider's names no one: the request it was before revokedBy (contracts: RevokeNodeCredential v2).
    if (!p.roles.includes('admin')) return { providerId: (await this.own(nodeId, p.accountId)).providerId };
    const node = await this.readNode(nodeId);
    if (!node) throw apiError('NOT_FOUND', `node ${nodeId} does not exist`, 'nodeId');
    return { providerId: node.providerId, revokedBy: 'admin' };
  }

  @Mutation(() => NodeCredential, {
    nullable: true,
    description:
      "Replaces a node's credential (provider): the old one stops working at once, so a worker running with it is refused at its next heartbeat (gpu-worker join stops, exit 3), and the node, nothing heartbeating for it, is declared lost after its heartbeat window (SUSPENDED NODE_LOST: its asks cancelled, its running leases credited) unless a worker joins with the new credential first: write it to the worker's credential file and start the worker again at once. The new one is in this answer only. If the answer is lost, rotate again (with a new idempotencyKey): a retry with the same key fails IDEMPOTENCY_KEY_REUSED and rotates nothing.",
  })
  @Roles('provider')
  @WhenRefused({
    admin:
      "rotateNodeCredential hands out the node's new credential, a secret for its provider alone, so it takes the provider's key; the operator's key stops a node with revokeNodeCredential, and its provider then rotates it",
  })
  async rotateNodeCredential(
    @Args('nodeId', { type: () => ID, description: 'Your node whose credential to replace.' }) nodeId: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY_SECRET_ONCE) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<NodeCredential> {
    await this.own(nodeId, p.accountId);
    const credential = `${NODE_CREDENTIAL_PREFIX}${randomBytes(24).toString('base64url')}`;
    const data = { nodeId, providerId: p.accountId, credentialHash: sha256(credential).toString('hex') };
    await revealingOnce(
      () =>
        this.commands.execute(
          'capacity',
          command(p, CapacityCommands.rotateNodeCredential.type, nodeId, data, idempotencyKey),
          rm.name,
        ),
      async () => ({
        message: `if the first request with it succeeded, it rotated node ${nodeId}'s credential, shown once: rotate again with a new idempotencyKey`,
        extensions: { nodeId },
      }),
    );
    return { nodeId, credential };
  }

  @Mutation(() => GpuNode, {
    nullable: true,
    description:
      "Revokes a node's credential (provider: your node; admin: any provider's, e.g. a node whose credential is compromised): its worker is refused at its next heartbeat (gpu-worker join stops, exit 3), and the credential stays refused: its provider rotates it (rotateNodeCredential) for a new one. A node that could sell is SUSPENDED CREDENTIAL_REVOKED at once: its asks cancelled, its running leases credited. The revocation records who revoked it (the provider or the admin).",
  })
  @Roles('provider', 'admin')
  async revokeNodeCredential(
    @Args('nodeId', {
      type: () => ID,
      description: "The node whose credential to revoke: your own (provider), or any provider's (admin).",
    })
    nodeId: string,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<GpuNode> {
    const started = Date.now();
    const { providerId, revokedBy } = await this.revoker(nodeId, p);
    const revoking = command(
      p,
      CapacityCommands.revokeNodeCredential.type,
      nodeId,
      { nodeId, providerId, ...(revokedBy ? { revokedBy } : {}) },
      idempotencyKey,
    );
    const outcome = await this.commands.execute('capacity', revoking, rm.name);
    return this.recordedNode(
      nodeId,
      outcome,
      `node ${nodeId}'s credential was revoked`,
      started,
      revoking.clientKey,
    );
  }

  @ResolveField(() => CertificationRecordConnection, {
    description:
      'Its certification history, newest first: certificates granted (by challenge or by an admin), spot challenges passed, and challenges failed (CertificationRecord).',
  })
  certificationRecords(@Parent() node: GpuNode, @Args() args: PageArgs) {
    const certifications = this.capacity.certifications(node.id);
    return readPage(
      args,
      () => certifications.count(),
      async (from, to) => (await certifications.slice(from, to)).map(toCertificationRecord),
      // The same list as certifications: a cursor of either pages the other.
      { field: 'GpuNode.certifications', of: node.id },
    );
  }

  @ResolveField(() => CertificationConnection, {
    description:
      'Its certification history as capacity keeps it, newest first, each record untyped JSON (ok, reason, detail, purpose, method, tflopsPerGpu, at…).',
    deprecationReason:
      'Untyped: certificationRecords is the same history, each record a CertificationRecord with its fields named and typed.',
  })
  async certifications(@Parent() node: GpuNode, @Args() args: PageArgs) {
    const certifications = this.capacity.certifications(node.id);
    return readPage(args, () => certifications.count(), certifications.slice, {
      field: 'GpuNode.certifications',
      of: node.id,
    });
  }

  @Query(() => GpuNodeConnection, {
    description:
      'Nodes, oldest first (by registration), filtered. A filter reads every node to find its page: narrow by market where you can. A market that does not exist is refused NOT_FOUND on filter.marketId.',
  })
  @Roles('admin', 'buyer', 'provider')
  async nodes(
    @Args('filter', {
      type: () => NodesFilter,
      nullable: true,
      description: 'Which nodes to list; left out, every node.',
    })
    filter: NodesFilter | undefined,
    @Args() args: PageArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    // graphql-js reads a literal such as 1e400 as Infinity, which a variable's JSON cannot carry.
    const least = filter?.minTflops;
    if (least !== undefined && !(least >= 0 && least <= NUMBER_LIMITS.tflops))
      throw apiError(
        'BAD_USER_INPUT',
        `minTflops must be from 0 to ${NUMBER_LIMITS.tflops} TFLOP/s per GPU`,
        'filter.minTflops',
      );
    // minTflops counts certified nodes only: with another status, nothing could ever match.
    if (filter?.minTflops !== undefined && filter.status && filter.status !== 'CERTIFIED')
      throw apiError(
        'BAD_USER_INPUT',
        `minTflops lists certified nodes only, and status ${filter.status} asks for others: leave one of them out`,
        'filter.status',
      );
    // An unknown market is refused as an unknown id is everywhere else: answered with no nodes,
    // a mistyped id read as a market no node sells in.
    if (filter?.marketId && !(await this.orders.market(filter.marketId)))
      throw apiError('NOT_FOUND', `market ${filter.marketId} does not exist`, 'filter.marketId');
    const nodes = this.capacity.nodes();
    const read = (ids: string[]) => Promise.all(ids.map((id) => this.readNode(id)));
    if (!filter || !nodesFilterScans(filter))
      return readSetPage(args, nodes, read, 'oldest first', { field: 'nodes' });
    // Aliases with the same filter (other pages, other fields) read every node once; a page it
    // would refuse reads none.
    checkPageArgs(args, { field: 'nodes' }, 'members');
    const { marketId, status, minTflops } = filter;
    const key = JSON.stringify([
      'nodes',
      marketId || '',
      status || '',
      minTflops === undefined ? '' : minTflops,
    ]);
    const kept = await memoised(info, key, () => keptOf(nodes, read, (n) => matches(n, filter)));
    return pageAt(args, kept, 'oldest first', nodes.rank, { field: 'nodes' });
  }

  @Subscription(() => GpuNode, {
    description:
      'A node: first as it stands once the subscription is live, then each time it changes (certified, suspended, lost, a challenge fetched or answered; nothing at a challenge’s issue: a spot check is for its worker to fetch first). The first message is the current state: no query to read it, nor a merge; no change falls between it and the next message, and each message is read after the one before it, never an older node after a newer one.',
    resolve: (n: GpuNode) => n,
  })
  @Roles('admin', 'buyer', 'provider')
  async nodeStatusChanged(
    @Args('nodeId', {
      type: () => ID,
      description: "The node to follow, any provider's. One that does not exist is refused NOT_FOUND.",
    })
    nodeId: string,
  ) {
    if (!(await this.readNode(nodeId)))
      throw apiError('NOT_FOUND', `node ${nodeId} does not exist`, 'nodeId');
    // The node as it stands first, read once the channel is subscribed (pubsub.ts).
    return this.pubsub.iterate(rm.nodeChannel(nodeId), () => this.readNode(nodeId), { snapshot: true });
  }

  @Mutation(() => RegisteredNode, {
    nullable: true,
    description:
      'Registers a node of yours (provider) in an open market (a closed one is refused MARKET_CLOSED). Asks on it are refused until it is certified. Its credential is in this answer only. If the answer is lost: with an idempotencyKey, the same request again fails IDEMPOTENCY_KEY_REUSED naming the node the first one registered (extensions.nodeId); rotateNodeCredential gives it a new credential. Without one, register again with the nodeId you chose: ALREADY_EXISTS says it was registered.',
  })
  @Roles('provider')
  async registerNode(
    @Args('input', { description: 'The node to register.' }) input: RegisterNodeInput,
    @Args('idempotencyKey', IDEMPOTENCY_KEY_SECRET_ONCE) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<RegisteredNode> {
    const started = Date.now();
    const market = await this.orders.market(input.marketId);
    if (!market) throw apiError('NOT_FOUND', `market ${input.marketId} does not exist`, 'marketId');
    // Quoted as JSON: control characters escaped, and a long one cut by formatError (shortenQuoted).
    if (market.gpuClass !== input.gpuModel)
      throw apiError(
        'BAD_USER_INPUT',
        `market ${input.marketId} trades ${market.gpuClass}, not ${JSON.stringify(input.gpuModel)}`,
        'gpuModel',
      );
    // Without a node id, the same idempotency key names the same node, so a retry can say which.
    const nodeId =
      input.nodeId ??
      (idempotencyKey ? idFromKey('node', p.accountId, idempotencyKey) : `node-${randomUUID()}`);
    // A closed market never opens again: a node registered in it could never sell. A retry of a
    // registration made before it closed (the same nodeId or idempotencyKey: the node exists) is
    // answered as a retry, ALREADY_EXISTS or IDEMPOTENCY_KEY_REUSED, never as if nothing was made.
    if (market.status === 'CLOSED' && !(await this.readNode(nodeId)))
      throw apiError(
        'MARKET_CLOSED',
        closedMarketMessage(input.marketId, market.closedAt, 'no node is registered in it'),
        'marketId',
      );
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
    const outcome = await revealingOnce(
      () =>
        this.commands.execute(
          'capacity',
          command(p, CapacityCommands.registerNode.type, nodeId, data, idempotencyKey),
          rm.name,
        ),
      async () =>
        (await this.readNode(nodeId))?.providerId === p.accountId
          ? {
              message: `the first request with it registered node ${nodeId}, whose credential was shown once: rotateNodeCredential gives it a new one`,
              extensions: { nodeId },
            }
          : undefined,
    );
    // The node is registered: its credential, shown only here, is answered whatever the read
    // model shows. Flushed since and not refolded in time (UNAVAILABLE), or Redis out of reach for
    // the read, the node is answered as it was sent.
    const node = await this.recordedNode(nodeId, outcome, `node ${nodeId} was registered`, started).catch(
      () => registered(data, new Date(started).toISOString()),
    );
    return { node, credential };
  }

  @Mutation(() => GpuNode, {
    nullable: true,
    description:
      "Marks a node certified without a challenge (admin; for tests and demos), recorded as an event like a verified certification. Answers once its market knows. A node whose credential its provider or the operator revoked is refused FORBIDDEN on nodeId until its provider rotates it (rotateNodeCredential): the certificate would lift the revocation's suspension.",
  })
  @Roles('admin')
  async markNodeCertified(
    @Args('nodeId', { type: () => ID, description: "The node to certify, any provider's." }) nodeId: string,
    @Args('tflopsPerGpu', {
      type: () => Float,
      description: `The certified f32 TFLOP/s per GPU: at least the node's market's minTflopsPerGpu (below it the node could not sell), at most ${NUMBER_LIMITS.tflops}.`,
    })
    tflopsPerGpu: number,
    @Args('validForHours', {
      type: () => Int,
      defaultValue: 720,
      description: `How long the certificate holds: 1 to ${NUMBER_LIMITS.hours} hours.`,
    })
    validForHours: number,
    @Args('idempotencyKey', IDEMPOTENCY_KEY) idempotencyKey: string | undefined,
    @Caller() p: Principal,
  ): Promise<GpuNode> {
    if (!(validForHours >= 1 && validForHours <= NUMBER_LIMITS.hours))
      throw apiError('BAD_USER_INPUT', `validForHours must be 1 to ${NUMBER_LIMITS.hours}`, 'validForHours');
    const started = Date.now();
    // Below its market's minimum the node would show CERTIFIED and every ask of it be refused
    // NODE_NOT_CERTIFIED (a challenge's claim below it is refused too: claim-bounds). Checked here,
    // not in the command: its data stays the same on a retry whatever Redis holds then.
    const marketId = await this.capacity.nodeField(nodeId, 'marketId');
    const minimum = marketId ? await this.orders.minTflopsPerGpu(marketId) : undefined;
    if (minimum !== undefined && tflopsPerGpu < minimum)
      throw apiError(
        'BAD_USER_INPUT',
        `market ${marketId} requires at least ${minimum} TFLOP/s per GPU: node ${nodeId} certified at ${tflopsPerGpu} could not sell in it`,
        'tflopsPerGpu',
      );
    const data = { nodeId, tflopsPerGpu, validForMs: validForHours * 3_600_000 };
    const certifying = command(p, CapacityCommands.markNodeCertified.type, nodeId, data, idempotencyKey);
    const outcome = await this.commands.execute('capacity', certifying, rm.name);
    const node = await this.recordedNode(
      nodeId,
      outcome,
      `node ${nodeId} was marked certified`,
      started,
      certifying.clientKey,
    );
    await this.listed(node, certifying.clientKey);
    return node;
  }

  /**
   * Waits until the node's market records its certificate as the node now holds it (this one's,
   * or a newer one's where this request is a retry after it), so an ask placed next is judged on it.
   * A node that is not CERTIFIED now (suspended, expired, since this request's first try) has no
   * certificate for its market to record (a suspended node's record is removed): nothing to wait for.
   */
  private async listed(node: GpuNode, clientKey: string): Promise<void> {
    if (node.status !== NodeStatus.CERTIFIED) return;
    const deadline = Date.now() + COMMAND_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const recorded = await this.orders.marketNode(node.marketId, node.id);
      if (
        recorded &&
        recorded.certifiedTflopsPerGpu === node.tflopsPerGpu &&
        recorded.certifiedUntil === node.certifiedUntil
      )
        return;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The certificate is recorded; what timed out is the market's copy of it (orders behind, or down).
    throw timedOutError(
      `node ${node.id} is certified (capacity recorded it), but market ${node.marketId} has not recorded it yet, so asks on the node may still be refused NODE_NOT_CERTIFIED: retry with the same key ${clientKey} to wait for it again`,
      { idempotencyKey: clientKey },
    );
  }

  @Query(() => GpuNode, { nullable: true, description: 'A GPU node by id.' })
  @Roles('admin', 'buyer', 'provider')
  async gpuNode(@Args('id', NODE_ID) id: string): Promise<GpuNode | null> {
    return this.readNode(id);
  }

  @Query(() => GpuNode, {
    name: 'node',
    nullable: true,
    description: 'A GPU node by id: the same as gpuNode.',
    deprecationReason: "Use gpuNode: in Relay's convention node(id) looks up any object by its global id.",
  })
  @Roles('admin', 'buyer', 'provider')
  nodeById(@Args('id', NODE_ID) id: string): Promise<GpuNode | null> {
    return this.gpuNode(id);
  }

  @Query(() => GpuNodeConnection, { description: 'Your nodes (provider), oldest first (by registration).' })
  @Roles('provider')
  async myNodes(@Args() args: PageArgs, @Caller() p: Principal) {
    const nodes = this.capacity.providerNodes(p.accountId);
    return readSetPage(
      args,
      nodes,
      (ids) => Promise.all(ids.map((id) => this.readNode(id))),
      'oldest first',
      { field: 'myNodes', of: p.accountId },
    );
  }
}

function matches(n: GpuNode, filter: NodesFilter): boolean {
  if (filter.marketId && n.marketId !== filter.marketId) return false;
  if (filter.status && n.status !== filter.status) return false;
  if (
    filter.minTflops !== undefined &&
    !((n.tflopsPerGpu ?? 0) >= filter.minTflops && n.status === 'CERTIFIED')
  )
    return false;
  return true;
}

/** A node just registered, as it was sent: what the read model shows of it once it has folded it. */
export function registered(
  data: {
    nodeId: string;
    providerId: string;
    gpuModel: string;
    gpus: number;
    region: string;
    marketId: string;
  },
  registeredAt: string,
): GpuNode {
  const { nodeId, providerId, gpuModel, gpus, region, marketId } = data;
  return {
    id: nodeId,
    providerId,
    marketId,
    gpuModel,
    gpus,
    region,
    status: NodeStatus.UNCERTIFIED,
    online: false,
    registeredAt,
  };
}
