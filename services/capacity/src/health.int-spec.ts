import { describeServiceHealth } from '@gpux/platform/testing';
import { capacityService } from './service';

describeServiceHealth(capacityService);
