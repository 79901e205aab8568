import { describeServiceHealth } from '@gpux/platform/testing';
import { settlementService } from './service';

describeServiceHealth(settlementService);
