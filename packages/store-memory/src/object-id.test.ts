import { describe, expect, it } from 'vitest';
import { MissingIdentityError, objectId } from './index';

describe('objectId', () => {
  it('is namespace/name for namespaced objects', () => {
    expect(objectId({ metadata: { name: 'web', namespace: 'prod' } })).toBe('prod/web');
  });

  it('is the name for cluster-scoped objects (no or empty namespace)', () => {
    expect(objectId({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectId({ metadata: { name: 'node-1', namespace: '' } })).toBe('node-1');
  });

  it('throws MissingIdentityError naming the kind and fields when metadata.name is missing', () => {
    const bad = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns' } };
    expect(() => objectId(bad)).toThrow(MissingIdentityError);
    try {
      objectId(bad);
    } catch (e) {
      const err = e as MissingIdentityError;
      expect(err.code).toBe('KW_MISSING_IDENTITY');
      expect(err.value).toBe(bad);
      expect(err.name).toBe('MissingIdentityError');
      expect(err.message).toBe(
        'object of kind "Service" with fields [apiVersion, kind, metadata] has no metadata.name, so it has no identity — pass objects as the API returns them, with metadata.name set',
      );
    }
  });

  it('throws MissingIdentityError for an object without metadata or kind', () => {
    expect(() => objectId({})).toThrow(/object without kind with fields \[\]/);
  });
});
