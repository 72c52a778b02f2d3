import { describe, expect, it } from 'vitest';
import { UsageError } from './errors';
import { parseResourceRef } from './resource-ref';

describe('parseResourceRef', () => {
  it.each([
    ['configmaps', { name: 'configmaps' }],
    ['cm', { name: 'cm' }],
    ['Deployment', { name: 'deployment' }],
    ['deployments.apps', { name: 'deployments', group: 'apps' }],
    ['deployments.v1.apps', { name: 'deployments', version: 'v1', group: 'apps' }],
    ['ingresses.v1.networking.k8s.io', { name: 'ingresses', version: 'v1', group: 'networking.k8s.io' }],
    ['ingresses.networking.k8s.io', { name: 'ingresses', group: 'networking.k8s.io' }],
    ['configmaps.v1', { name: 'configmaps', version: 'v1', group: '' }],
    [
      'flowschemas.v1beta3.flowcontrol.apiserver.k8s.io',
      { name: 'flowschemas', version: 'v1beta3', group: 'flowcontrol.apiserver.k8s.io' },
    ],
    ['widgets.v1alpha1.example.com', { name: 'widgets', version: 'v1alpha1', group: 'example.com' }],
    ['things.v1x.example.com', { name: 'things', group: 'v1x.example.com' }],
  ])('parses %s', (text, expected) => {
    expect(parseResourceRef(text)).toEqual({ text, ...expected });
  });

  it.each([
    ['', 'empty'],
    ['deployments..apps', 'empty segment'],
    ['.apps', 'empty segment'],
    ['deploy_ments', 'invalid segment "deploy_ments"'],
    ['pods/log', 'invalid segment "pods/log"'],
  ])('rejects %j naming the text', (text, problem) => {
    expect(() => parseResourceRef(text)).toThrow(UsageError);
    expect(() => parseResourceRef(text)).toThrow(`resource "${text}": ${problem}`);
  });
});
