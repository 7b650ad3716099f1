import { join } from 'node:path';
import { openAuditSqlite } from '../src/index.js';
import { tempDir } from './helpers.js';
import { describeAuditBackend } from './suite.js';

describeAuditBackend('sqlite', () => openAuditSqlite({ path: join(tempDir(), 'audit.db') }));
