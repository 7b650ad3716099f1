import { describe, expectTypeOf, it } from 'vitest';
import type {
  ISecretManager,
  OperationEvent,
  Secret,
  SecretManager,
  SecretManagerOptions,
} from '../src/index.js';

// Type tests: checked by `npm run typecheck` (tsc over the test files), not at run time.
const typed = (manager: SecretManager, contract: ISecretManager) => {
  expectTypeOf(manager.getSecret('x', { required: true })).toEqualTypeOf<Promise<Secret>>();
  expectTypeOf(manager.getSecret('x', { required: true, accessor: 'billing' })).toEqualTypeOf<
    Promise<Secret>
  >();
  expectTypeOf(manager.get('x', { required: true })).toEqualTypeOf<Promise<Secret>>();
  expectTypeOf(contract.getSecret('x', { required: true })).toEqualTypeOf<Promise<Secret>>();
  expectTypeOf(manager.getSecret('x')).toEqualTypeOf<Promise<Secret | null>>();
  expectTypeOf(manager.getSecret('x', { required: false })).toEqualTypeOf<Promise<Secret | null>>();
  const options: { required?: boolean } = {};
  expectTypeOf(manager.getSecret('x', options)).toEqualTypeOf<Promise<Secret | null>>();
  return async () => {
    const maybe = await manager.getSecret('x');
    // @ts-expect-error a read without required may be null
    maybe.value;
    const sure = await manager.getSecret('x', { required: true });
    expectTypeOf(sure.value).toEqualTypeOf<string>();
    expectTypeOf(sure.name).toEqualTypeOf<string>();
    // Other names of the same fields: `secret.name` of a listed entry, `entry.success`.
    const [listed] = await manager.list({ pattern: '*' });
    expectTypeOf(listed!.name).toEqualTypeOf<string>();
    expectTypeOf((await manager.set('x', 'v')).name).toEqualTypeOf<string>();
    expectTypeOf<OperationEvent['success']>().toEqualTypeOf<boolean>();
    expectTypeOf<SecretManagerOptions['enableAuditLog']>().toEqualTypeOf<boolean | undefined>();
  };
};

describe('types', () => {
  it('getSecret with required: true resolves to a Secret (see the compile-time checks above)', () => {
    expectTypeOf(typed).toBeFunction();
  });
});
