import { runService } from '@gpux/platform';
import { settlementService } from './service';

void runService(settlementService);
