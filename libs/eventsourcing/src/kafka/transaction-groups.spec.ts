import { AssignerProtocol, Cluster } from 'kafkajs';
import {
  assignGroups,
  groupOf,
  groupTransactionalId,
  partitionsOfGroup,
  partitionTransactionalId,
  transactionGroupAssigner,
} from './transaction-groups';

describe('transaction groups', () => {
  it('puts partition p in group p mod n, and lists each group back', () => {
    expect([0, 1, 2, 3, 4, 5].map((p) => groupOf(p, 2))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(partitionsOfGroup(0, 2, 6)).toEqual([0, 2, 4]);
    expect(partitionsOfGroup(1, 2, 6)).toEqual([1, 3, 5]);
    expect(partitionsOfGroup(2, 3, 3)).toEqual([2]);
  });

  it('names a group by its number and the grouping, apart from the per-partition ids', () => {
    const g = groupTransactionalId('settlement.commands', 'settlement', 1, 2);
    expect(g).toBe('settlement-settlement.commands-g2-1');
    expect(groupTransactionalId('settlement.commands', 'settlement', 1, 3)).not.toBe(g);
    expect(partitionTransactionalId('settlement.commands', 'settlement', 1)).toBe(
      'settlement-settlement.commands-1',
    );
  });

  it('deals whole groups to members in id order; a member beyond the groups stands by', () => {
    expect(assignGroups(['b', 'a'], 2)).toEqual(
      new Map([
        ['a', [0]],
        ['b', [1]],
      ]),
    );
    expect(assignGroups(['a'], 2)).toEqual(new Map([['a', [0, 1]]]));
    expect(assignGroups(['c', 'a', 'b'], 2)).toEqual(
      new Map([
        ['a', [0]],
        ['b', [1]],
        ['c', []],
      ]),
    );
    expect(assignGroups([], 2)).toEqual(new Map());
  });

  it("assigns every partition of a group to the group's member, whatever the number of members", async () => {
    const cluster = {
      findTopicPartitionMetadata: () => [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId })),
    } as unknown as Cluster;
    const assigner = transactionGroupAssigner(2)({ cluster, groupId: 'g', logger: undefined as never });
    for (const count of [1, 2, 3, 7]) {
      const members = Array.from({ length: count }, (_, i) => ({
        memberId: `m-${i}`,
        memberMetadata: Buffer.alloc(0),
      }));
      const assigned = await assigner.assign({ members, topics: ['cmds'] });
      const partitions = assigned.map(
        (a) => AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment['cmds'] ?? [],
      );
      // Every partition once, and each member's partitions all of one or more whole groups.
      expect(partitions.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
      for (const mine of partitions) {
        const groups = new Set(mine.map((p) => groupOf(p, 2)));
        expect(mine.length).toBe(groups.size * 3);
      }
    }
  });

  it('names its protocol after the grouping, so members that group differently cannot share one', () => {
    const cluster = {} as Cluster;
    const name = (n: number) =>
      transactionGroupAssigner(n)({ cluster, groupId: 'g', logger: undefined as never }).protocol({
        topics: ['cmds'],
      }).name;
    expect(name(2)).not.toBe(name(3));
    expect(() => transactionGroupAssigner(0)).toThrow(/not a count/);
  });
});
