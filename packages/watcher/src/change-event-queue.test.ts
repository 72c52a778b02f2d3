import { describe, expect, it, vi } from 'vitest';
import { ChangeEventQueue, type ChangeType } from './change-event-queue';

const obj = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv } });

async function drain(queue: ChangeEventQueue) {
  const out: string[] = [];
  while (queue.size > 0) {
    const next = await queue.next();
    if (next.done) break;
    out.push(`${next.value.type} ${next.value.object.metadata?.name}@${next.value.object.metadata?.resourceVersion}`);
  }
  return out;
}

describe('ChangeEventQueue', () => {
  it.each<[ChangeType, ChangeType, string[]]>([
    ['added', 'modified', ['added a@2']],
    ['added', 'deleted', []],
    ['modified', 'modified', ['modified a@2']],
    ['modified', 'deleted', ['deleted a@2']],
    ['deleted', 'added', ['modified a@2']],
  ])('coalesces a pending %s followed by %s', async (first, second, expected) => {
    const queue = new ChangeEventQueue(() => {});
    queue.push('a', first, obj('a', '1'));
    queue.push('a', second, obj('a', '2'));
    expect(await drain(queue)).toEqual(expected);
  });

  it('holds at most one pending event per object, in first-pending order', async () => {
    const queue = new ChangeEventQueue(() => {});
    for (let i = 0; i < 1000; i++) queue.push(`o${i % 3}`, 'modified', obj(`o${i % 3}`, String(i)));
    expect(queue.size).toBe(3);
    expect(await drain(queue)).toEqual(['modified o0@999', 'modified o1@997', 'modified o2@998']);
  });

  it('hands an event straight to a waiting consumer', async () => {
    const queue = new ChangeEventQueue(() => {});
    const next = queue.next();
    queue.push('a', 'added', obj('a', '1'));
    expect(await next).toEqual({ done: false, value: { type: 'added', object: obj('a', '1') } });
  });

  it('ends on abort, on return() and on end(), calling onEnd once', async () => {
    const onEnd = vi.fn();
    const controller = new AbortController();
    const queue = new ChangeEventQueue(onEnd);
    queue.bindSignal(controller.signal);
    const waiting = queue.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await queue.return();
    queue.end();
    expect(onEnd).toHaveBeenCalledTimes(1);
    queue.push('a', 'added', obj('a', '1'));
    expect(queue.size).toBe(0);
  });
});
