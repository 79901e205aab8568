import { runService } from '@gpux/platform';
import { gatewayService } from './service';

void runService(gatewayService);
