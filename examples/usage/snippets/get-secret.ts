// Simple get
const secret = await manager.get('api-key-stripe');
