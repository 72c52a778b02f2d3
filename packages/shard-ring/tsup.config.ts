import { kwPackage } from '../../tsup.preset';

export default kwPackage();
