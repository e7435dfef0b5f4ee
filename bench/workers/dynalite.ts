// A local DynamoDB (dynalite, in memory) in its own process, with the bridge's table as deployed; prints
// `<endpoint> <table>`. Its own process, so its work is not counted against the load generator's event loop.
import { startLocalDynamoDb } from '../../local/dynamodb.js';

const db = await startLocalDynamoDb();
process.stdout.write(`${db.endpoint} ${db.table}\n`);
process.on('SIGTERM', () => void db.close().then(() => process.exit(0)));
