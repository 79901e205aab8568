import { describeServiceHealth } from '@gpux/platform/testing';
import { gatewayService } from './service';

describeServiceHealth(gatewayService);
