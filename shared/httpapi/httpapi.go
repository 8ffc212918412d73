// Package httpapi is the one place where errors become HTTP responses for API
// Gateway (payload format 2.0): a JSON body {"error": {"code", "message"}} and
// the status the error's code maps to. Internal details stay in the logs.
package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Status maps an error code to its HTTP status.
func Status(code domain.Code) int {
	switch code {
	case domain.CodeInvalid:
		return http.StatusBadRequest
	case domain.CodeUnauthorized:
		return http.StatusUnauthorized
	case domain.CodeForbidden:
		return http.StatusForbidden
	case domain.CodeNotFound:
		return http.StatusNotFound
	case domain.CodeConflict, domain.CodeOptedOut:
		return http.StatusConflict
	case domain.CodeStale:
		return http.StatusPreconditionFailed
	case domain.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case domain.CodeUnprocessable:
		return http.StatusUnprocessableEntity
	case domain.CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

type errorBody struct {
	Error struct {
		Code    domain.Code `json:"code"`
		Message string      `json:"message"`
	} `json:"error"`
}

// Error renders err as a JSON error response.
func Error(err error) events.APIGatewayV2HTTPResponse {
	code := domain.ErrorCode(err)
	var b errorBody
	b.Error.Code, b.Error.Message = code, domain.ErrorMessage(err)
	return JSON(Status(code), b)
}

// JSON renders v with status.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json; charset=utf-8"},
		Body:       string(body),
	}
}

// Text renders a plain body with a content type (TwiML, a challenge echo).
func Text(status int, contentType, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{"content-type": contentType}, Body: body}
}

// Body returns the request's raw bytes, decoding API Gateway's base64 form.
// Signatures are checked over these bytes.
func Body(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "body is not valid base64")
	}
	return b, nil
}
