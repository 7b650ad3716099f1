const config = {
  stripe: {
    apiKey: '${secret:api-key-stripe}',
    webhookSecret: '${secret:webhook-secret-stripe}',
  },
  database: {
    url: '${secret:database-url:postgresql://localhost}', // with default
  },
};

const resolved = await manager.substituteSecrets(config, {
  accessor: 'app-init',
});

// Result:
// {
//   stripe: {
//     apiKey: 'sk_live_abc123...',
//     webhookSecret: 'whsec_xyz789...',
//   },
//   database: {
//     url: 'postgresql://prod-db...',
//   },
// }
