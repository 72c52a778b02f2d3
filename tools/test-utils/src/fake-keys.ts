import type { KeyExtractor } from '@kw/types';
import type { TestObject } from './test-objects';

/** A key extractor indexing by the `app` label; `matches`, `extractKeys`, `filterFields` and `metadataOnly` configurable. */
export class FakeKeys implements KeyExtractor<TestObject> {
  readonly indexBy = ['metadata.labels.app'];
  readonly metadataOnly: boolean;
  private readonly predicate: (obj: TestObject) => boolean;
  private readonly extract: ((obj: TestObject) => string[]) | undefined;
  private readonly filter: ((obj: TestObject) => TestObject) | undefined;
  constructor(
    options: {
      matches?: (obj: TestObject) => boolean;
      extractKeys?: (obj: TestObject) => string[];
      filterFields?: (obj: TestObject) => TestObject;
      metadataOnly?: boolean;
    } = {},
  ) {
    this.predicate = options.matches ?? (() => true);
    this.extract = options.extractKeys;
    this.filter = options.filterFields;
    this.metadataOnly = options.metadataOnly ?? true;
  }
  extractKeys(obj: TestObject): string[] {
    return this.extract ? this.extract(obj) : [obj.metadata?.labels?.app ?? ''];
  }
  filterFields(obj: TestObject): TestObject {
    return this.filter ? this.filter(obj) : obj;
  }
  matches(obj: TestObject): boolean {
    return this.predicate(obj);
  }
}
