import { describeServiceHealth } from '@gpux/platform/testing';
import { ordersService } from './service';

describeServiceHealth(ordersService);
