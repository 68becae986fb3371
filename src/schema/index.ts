import { builder } from './builder';
import './enums';
import './connection';
import './job';
import './company';
import './query';

export const schema = builder.toSchema({ sortSchema: false });
