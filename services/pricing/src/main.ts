import { runService } from '@gpux/platform';
import { pricingService } from './service';

void runService(pricingService);
