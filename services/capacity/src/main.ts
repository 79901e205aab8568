import { runService } from '@gpux/platform';
import { capacityService } from './service';

void runService(capacityService);
