import { CapacityCommands, CapacityEvents, MessageOf, NodeCertified, RegisterNode } from '@gpux/contracts';
import { accept, Decider, reject } from '@gpux/eventsourcing/domain';

export type NodeCommand = MessageOf<(typeof CapacityCommands)[keyof typeof CapacityCommands]>;
type NodeEventName = Exclude<keyof typeof CapacityEvents, 'commandRejected' | 'partitionClaimed'>;
export type NodeEvent = MessageOf<(typeof CapacityEvents)[NodeEventName]>;

export const NODE_COMMANDS = Object.values(CapacityCommands).map((m) => m.type);
export const NODE_EVENTS = (Object.keys(CapacityEvents) as (keyof typeof CapacityEvents)[])
  .filter((k): k is NodeEventName => k !== 'commandRejected' && k !== 'partitionClaimed')
  .map((k) => CapacityEvents[k].type);

export interface NodeState {
  node: RegisterNode | null;
  certification: NodeCertified | null;
}

/** A provider's node: registered once, then certified (and, later, recertified). */
export const nodeDecider: Decider<NodeCommand, NodeEvent, NodeState> = {
  initialState: { node: null, certification: null },

  decide(command, state, { now }) {
    switch (command.type) {
      case 'capacity.RegisterNode':
        if (state.node) return reject('ALREADY_EXISTS', `node ${command.data.nodeId} already exists`, 'nodeId');
        return accept({ type: 'capacity.NodeRegistered', data: command.data });

      case 'capacity.MarkNodeCertified': {
        const node = state.node;
        if (!node) return reject('NOT_FOUND', `node ${command.data.nodeId} does not exist`, 'nodeId');
        const { nodeId, providerId, marketId, gpus } = node;
        return accept({
          type: 'capacity.NodeCertified',
          data: {
            nodeId, providerId, marketId, gpus,
            tflopsPerGpu: { f32: command.data.tflopsPerGpu },
            // An administrator's word measures nothing: no efficiency, the lowest tier.
            efficiency: null,
            tier: 'bronze',
            expiresAt: new Date(now.getTime() + command.data.validForMs).toISOString(),
            method: 'admin',
          },
        });
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'capacity.NodeRegistered':
        return { ...state, node: event.data };
      case 'capacity.NodeCertified':
        return { ...state, certification: event.data };
    }
  },
};
