/** Cedar for Node: the `/nodejs` build of cedar-wasm, loaded once. */
import * as cedarNode from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarModule } from '../shared/decisions/cedar.ts';

export const nodeCedar: CedarModule = cedarNode;
