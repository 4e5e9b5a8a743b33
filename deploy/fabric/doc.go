// Package fabric holds no code: deploy/fabric is rxledger's Hyperledger
// Fabric network (configuration, scripts, the chaincode-as-a-service
// builder, the baseline chaincode in baseline/). Its tests check the
// repository's docker-compose.yml and Dockerfile against it.
package fabric
