import { describeServiceHealth } from '@gpux/platform/testing';
import { pricingService } from './service';

describeServiceHealth(pricingService);
