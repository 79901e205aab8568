import { runService } from '@gpux/platform';
import { ordersService } from './service';

void runService(ordersService);
