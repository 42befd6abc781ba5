import { strategiesBench } from './strategies.js';
console.log(JSON.stringify(await strategiesBench(), null, 1));
process.exit(0);
