module github.com/crumbhq/crumb

go 1.26.0

require (
	github.com/gorilla/securecookie v1.1.2
	github.com/klauspost/compress v1.20.3
	golang.org/x/crypto v0.58.0
)

require golang.org/x/sys v0.49.0 // indirect
