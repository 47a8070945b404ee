// The home page's engine worker: no requests, it only opens the backend and announces which one runs here.
import { serveEngine } from './serve.js';

serveEngine({});
