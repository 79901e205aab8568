/*
 * Transaction groups (docs/architecture.md §3, "Transaction groups"): a service's command partitions
 * fall into a fixed number of groups (partition p is in group p mod groups). One transactional
 * producer per group writes what every partition of the group decided since its last transaction,
 * in one Kafka transaction, and the consumer group hands out whole groups only, so the owner of a
 * group owns every partition of it: a new owner fences the group's transactional id, and with it
 * any older owner of any of its partitions, as a partition's own id did when each partition had one.
 */
import { AssignerProtocol, PartitionAssigner } from 'kafkajs';

/** The transaction group of a command partition. */
export const groupOf = (partition: number, groups: number): number => partition % groups;

/** The partitions of a group, among `partitions` in all. */
export function partitionsOfGroup(group: number, groups: number, partitions: number): number[] {
  const out: number[] = [];
  for (let p = group; p < partitions; p += groups) out.push(p);
  return out;
}

/** The transactional id of a group: the number of groups is in it, so another grouping is another id. */
export const groupTransactionalId = (commandsTopic: string, service: string, group: number, groups: number) =>
  `${service}-${commandsTopic}-g${groups}-${group}`;

/**
 * The id a partition's worker used when each partition had a producer of its own (and a worker made
 * without a group still uses). A group's new owner fences these too, so a worker of that version
 * still running somewhere (a rolling upgrade) can commit nothing more.
 */
export const partitionTransactionalId = (commandsTopic: string, service: string, partition: number) =>
  `${service}-${commandsTopic}-${partition}`;

/**
 * Which groups each member owns: the groups in order, dealt round-robin to the members sorted by id.
 * A member beyond the number of groups gets none and stands by. Pure: the assigner below applies it.
 */
export function assignGroups(memberIds: string[], groups: number): Map<string, number[]> {
  const members = [...memberIds].sort();
  const out = new Map<string, number[]>(members.map((m) => [m, []]));
  if (members.length === 0) return out;
  for (let g = 0; g < groups; g++) out.get(members[g % members.length]!)!.push(g);
  return out;
}

/**
 * A kafkajs partition assigner that never splits a transaction group between members. Its protocol
 * name carries the number of groups: members that group differently share no protocol, and the
 * broker refuses the join (INCONSISTENT_GROUP_PROTOCOL) rather than let two of them write one group.
 */
export function transactionGroupAssigner(groups: number): PartitionAssigner {
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`transaction groups: ${groups} is not a count`);
  const name = `GpuxTransactionGroups${groups}`;
  const version = 0;
  return ({ cluster }) => ({
    name,
    version,
    async assign({ members, topics }) {
      const owned = assignGroups(
        members.map((m) => m.memberId),
        groups,
      );
      return [...owned].map(([memberId, mine]) => {
        const assignment: Record<string, number[]> = {};
        for (const topic of topics) {
          const partitions = cluster
            .findTopicPartitionMetadata(topic)
            .map((m) => m.partitionId)
            .filter((p) => mine.includes(groupOf(p, groups)))
            .sort((a, b) => a - b);
          if (partitions.length) assignment[topic] = partitions;
        }
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version,
            assignment,
            userData: Buffer.alloc(0),
          }),
        };
      });
    },
    protocol({ topics }) {
      return {
        name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}
