import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { orderStatus, ordersReadModel as rm, settlementReadModel } from '@gpux/contracts';
import type Redis from 'ioredis';
import { Connection } from '../api/connections';
import { CancelReason, LeaseStatus } from '../api/enums';
import { GraphQLDateTimeString, GraphQLUsd } from '../api/scalars';
import { formatMoney } from '../domain/money';

export enum Side {
  BID = 'bid',
  ASK = 'ask',
}
registerEnumType(Side, { name: 'Side', description: 'A bid buys GPU-hours; an ask sells them on a node.' });

export enum TimeInForce {
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
}
registerEnumType(TimeInForce, {
  name: 'TimeInForce',
  description:
    'GTC rests until filled or cancelled; IOC trades what it can now and cancels the rest; FOK trades all now or nothing.',
});

export enum OrderStatus {
  PENDING_FUNDS = 'PENDING_FUNDS',
  OPEN = 'OPEN',
  PARTIALLY_FILLED = 'PARTIALLY_FILLED',
  FILLED = 'FILLED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'PENDING_FUNDS: a bid whose escrow hold settlement has not confirmed yet.',
});

@ObjectType({ description: 'An order. Prices are US dollars per GPU-hour.' })
export class Order {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  accountId!: string;
  @Field(() => Side)
  side!: Side;
  @Field(() => GraphQLUsd, { description: 'Limit price per GPU-hour.' })
  price!: string;
  @Field(() => Int)
  gpus!: number;
  @Field(() => Int, { description: 'A bid: the hours wanted. An ask: the most hours offered.' })
  hours!: number;
  @Field(() => ID, { nullable: true })
  nodeId?: string;
  @Field(() => Int, { nullable: true })
  minGpusPerNode?: number;
  @Field(() => TimeInForce)
  timeInForce!: TimeInForce;
  @Field(() => OrderStatus)
  status!: OrderStatus;
  @Field(() => Int)
  filledGpus!: number;
  @Field(() => Int)
  cancelledGpus!: number;
  @Field(() => Int)
  remainingGpus!: number;
  @Field(() => CancelReason, { nullable: true, description: 'Why GPUs of it were cancelled, if any were.' })
  cancelReason?: CancelReason;
  @Field(() => GraphQLDateTimeString)
  createdAt!: string;
  @Field(() => GraphQLDateTimeString)
  updatedAt!: string;
}
export const OrderConnection = Connection(Order, 'Order');

@InputType({ description: 'Which of your orders to list: every condition given must hold.' })
export class OrdersFilter {
  @Field(() => ID, { nullable: true })
  marketId?: string;
  @Field(() => OrderStatus, { nullable: true })
  status?: OrderStatus;
  @Field(() => Side, { nullable: true })
  side?: Side;
}

export const matchesOrder = (o: Order, f: OrdersFilter): boolean =>
  (!f.marketId || o.marketId === f.marketId) &&
  (!f.status || o.status === f.status) &&
  (!f.side || o.side === f.side);

@ObjectType({ description: 'A trade from one side: what you bought or sold. Money in US dollars.' })
export class Fill {
  @Field(() => ID)
  tradeId!: string;
  @Field(() => ID, { description: 'The lease the trade created (same id as the trade).' })
  leaseId!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  orderId!: string;
  @Field(() => Side)
  side!: Side;
  @Field(() => GraphQLUsd, { description: 'Trade price per GPU-hour.' })
  price!: string;
  @Field(() => Int)
  gpus!: number;
  @Field(() => Int)
  hours!: number;
  @Field(() => ID)
  nodeId!: string;
  @Field(() => GraphQLUsd, { description: 'GPUs × hours × price.' })
  value!: string;
  @Field(() => GraphQLUsd, { description: 'The platform fee on it, paid by the buyer.' })
  fee!: string;
  @Field(() => GraphQLDateTimeString)
  time!: string;
}
export const FillConnection = Connection(Fill, 'Fill');

@ObjectType({
  description: 'A lease: GPUs of a node, for a time, paid from the buyer to the provider as it runs.',
})
export class Lease {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  nodeId!: string;
  @Field(() => ID)
  buyerId!: string;
  @Field(() => ID)
  providerId!: string;
  @Field(() => Int)
  gpus!: number;
  @Field(() => GraphQLUsd)
  price!: string;
  @Field(() => GraphQLUsd)
  value!: string;
  @Field(() => GraphQLUsd)
  fee!: string;
  @Field(() => GraphQLDateTimeString)
  start!: string;
  @Field(() => GraphQLDateTimeString)
  end!: string;
  @Field(() => GraphQLUsd, { description: 'Charged so far, of value and fee together.' })
  charged!: string;
  @Field(() => GraphQLUsd, { description: 'Given back to the buyer for time the provider did not deliver.' })
  refunded!: string;
  @Field(() => LeaseStatus)
  status!: LeaseStatus;
  @Field(() => Float, { description: 'How much of the lease has been charged, 0 to 1.' })
  progress!: number;
}
export const LeaseConnection = Connection(Lease, 'Lease');

const num = (h: Record<string, string>, f: string) => Number(h[f] ?? 0);

export async function readOrder(redis: Redis, orderId: string): Promise<Order | null> {
  const h = await redis.hgetall(rm.order(orderId));
  if (!h['marketId']) return null;
  const gpus = num(h, 'gpus');
  const filled = num(h, 'filled');
  const cancelled = num(h, 'cancelled');
  const status = orderStatus({
    gpus,
    filled,
    cancelled,
    accepted: h['accepted'] === '1',
    cancelReason: h['cancelReason'] ?? null,
  });
  return {
    id: orderId,
    marketId: h['marketId'],
    accountId: h['accountId']!,
    side: h['side'] as Side,
    price: formatMoney(num(h, 'price')),
    gpus,
    hours: num(h, 'hours'),
    ...(h['nodeId'] ? { nodeId: h['nodeId'] } : {}),
    ...(h['minGpusPerNode'] ? { minGpusPerNode: num(h, 'minGpusPerNode') } : {}),
    timeInForce: h['timeInForce'] as TimeInForce,
    status: status as OrderStatus,
    filledGpus: filled,
    cancelledGpus: cancelled,
    remainingGpus: gpus - filled - cancelled,
    ...(h['cancelReason'] ? { cancelReason: h['cancelReason'] as CancelReason } : {}),
    createdAt: h['createdAt'] ?? h['updatedAt']!,
    updatedAt: h['updatedAt']!,
  };
}

export async function readFill(redis: Redis, tradeId: string, accountId: string): Promise<Fill | null> {
  const t = await redis.hgetall(rm.trade(tradeId));
  if (!t['marketId']) return null;
  const buyer = t['buyerId'] === accountId;
  return {
    tradeId,
    leaseId: tradeId,
    marketId: t['marketId'],
    orderId: (buyer ? t['bidId'] : t['askId'])!,
    side: buyer ? Side.BID : Side.ASK,
    price: formatMoney(num(t, 'price')),
    gpus: num(t, 'gpus'),
    hours: num(t, 'hours'),
    nodeId: t['nodeId']!,
    value: formatMoney(num(t, 'value')),
    fee: formatMoney(num(t, 'fee')),
    time: t['time'] ?? t['start']!,
  };
}

export async function readLease(redis: Redis, leaseId: string): Promise<Lease | null> {
  const l = await redis.hgetall(settlementReadModel.lease(leaseId));
  if (!l['buyerId']) return null;
  const total = num(l, 'value') + num(l, 'fee');
  const charged = num(l, 'chargedValue') + num(l, 'chargedFee');
  return {
    id: leaseId,
    marketId: l['marketId']!,
    nodeId: l['nodeId']!,
    buyerId: l['buyerId'],
    providerId: l['providerId']!,
    gpus: num(l, 'gpus'),
    price: formatMoney(num(l, 'price')),
    value: formatMoney(num(l, 'value')),
    fee: formatMoney(num(l, 'fee')),
    start: l['start']!,
    end: l['end']!,
    charged: formatMoney(charged),
    refunded: formatMoney(num(l, 'refunded')),
    status: l['status'] as LeaseStatus,
    progress: total > 0 ? charged / total : 1,
  };
}
